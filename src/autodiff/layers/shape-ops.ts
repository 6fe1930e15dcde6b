import * as tf from '@tensorflow/tfjs-core';
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
  return tf.broadcastTo(tf.div(gy, h * w).reshape([...lead, 1, 1, c]), [...lead, h, w, c]);
}

/** flatten [B, ...] -> [B, prod] */
export function flattenShape(shape: number[]): number[] {
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
}
