import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import type { Tangent } from './types.js';

/** Global average pooling over H, W of NHWC, and its (linear) transpose; tangents carry a leading K axis. */
export function globalAvgPool(x: tf.Tensor): tf.Tensor {
  return tf.mean(x, [1, 2]);
}

export function globalAvgPoolTangent(rx: Tangent): Tangent {
  return rx === null ? null : tf.mean(rx, [2, 3]);
}

/** g_x = broadcast(g_y) / (H W), for g_y [..., C] and x [..., H, W, C] */
export function globalAvgPoolBackward(gy: Tangent, inShape: number[], k?: number): Tangent {
  if (gy === null) return null;
  const [b, h, w, c] = inShape;
  const lead = k === undefined ? [b] : [k, b];
  return tf.broadcastTo(tf.reshape(tf.div(gy, h * w), [...lead, 1, 1, c]), [...lead, h, w, c]);
}

type GlobalAvgPoolNode = Extract<LayerNode, { op: 'globalavgpool' }>;

export const globalAvgPoolKind: LayerKind<GlobalAvgPoolNode, null, null, null> = {
  inputs: (n) => [n.input],
  ownsParams: false,
  forward: (_n, [x]) => ({ y: globalAvgPool(x), cache: null }),
  predict: (_n, [x]) => globalAvgPool(x),
  backward: (_n, { xs: [x], gy }) => ({ gxs: [globalAvgPoolBackward(gy, x.shape)], back: null }),
  rForward: (_n, { rxs: [rx] }) => ({ ry: globalAvgPoolTangent(rx), t: null }),
  rBackward: (_n, { xs: [x], rgy, p }) => [globalAvgPoolBackward(rgy, x.shape, p.k)],
};
