import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';

/** flatten [B, ...] -> [B, prod] */
export function flattenShape(shape: number[]): number[] {
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
}

type FlattenNode = Extract<LayerNode, { op: 'flatten' }>;

/** A reshape: its tangents and gradients are reshapes too (tangents keep their leading K axis). */
export const flattenKind: LayerKind<FlattenNode, null, null, null> = {
  inputs: (n) => [n.input],
  ownsParams: false,
  forward: (_n, [x]) => ({ y: tf.reshape(x, flattenShape(x.shape)), cache: null }),
  predict: (_n, [x]) => tf.reshape(x, flattenShape(x.shape)),
  backward: (_n, { xs: [x], gy }) => ({ gxs: [tf.reshape(gy, x.shape)], back: null }),
  rForward: (_n, { y, rxs: [rx], p }) => ({ ry: rx === null ? null : tf.reshape(rx, [p.k, ...y.shape]), t: null }),
  rBackward: (_n, { xs: [x], rgy, p }) => [rgy === null ? null : tf.reshape(rgy, [p.k, ...x.shape])],
};
