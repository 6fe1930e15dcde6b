import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import { addTangents } from './types.js';

type AddNode = Extract<LayerNode, { op: 'add' }>;

/** y = a + b (a residual connection): the gradient and its tangent go to both inputs unchanged. */
export const addKind: LayerKind<AddNode, null, null, null> = {
  inputs: (n) => n.inputs,
  ownsParams: false,
  forward: (_n, [a, b]) => ({ y: tf.add(a, b), cache: null }),
  predict: (_n, [a, b]) => tf.add(a, b),
  backward: (_n, { gy }) => ({ gxs: [gy, gy], back: null }),
  rForward: (_n, { rxs: [ra, rb] }) => ({ ry: addTangents(ra, rb), t: null }),
  rBackward: (_n, { rgy }) => [rgy, rgy],
};
