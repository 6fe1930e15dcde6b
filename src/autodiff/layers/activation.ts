import * as tf from '@tensorflow/tfjs-core';
import type { Activation, LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import type { Tangent } from './types.js';

/**
 * Elementwise y = f(z). With f' and f'' computed from the forward values (never from a tape):
 *   R(y) = f'(z) R(z);   g_z = f'(z) g_y;   R(g_z) = f'(z) R(g_y) + f''(z) g_y R(z).
 */
export interface ActivationCache {
  d1: tf.Tensor;
  d2: tf.Tensor | null; // null when f'' = 0 (relu)
}

export function activationForward(fn: Activation, z: tf.Tensor): { y: tf.Tensor; cache: ActivationCache } {
  switch (fn) {
    case 'relu': {
      const y = tf.relu(z);
      // greater+cast: wasm's Step kernel runs in JavaScript and is several times slower
      return { y, cache: { d1: tf.cast(tf.greater(z, 0), 'float32'), d2: null } };
    }
    case 'tanh': {
      const y = tf.tanh(z);
      const d1 = tf.sub(1, tf.square(y));
      return { y, cache: { d1, d2: tf.mul(-2, tf.mul(y, d1)) } };
    }
    case 'sigmoid': {
      const y = tf.sigmoid(z);
      const d1 = tf.mul(y, tf.sub(1, y));
      return { y, cache: { d1, d2: tf.mul(d1, tf.sub(1, tf.mul(2, y))) } };
    }
  }
}

export function activationBackward(cache: ActivationCache, gy: tf.Tensor): tf.Tensor {
  return tf.mul(cache.d1, gy);
}

export function activationRForward(cache: ActivationCache, rz: Tangent): Tangent {
  return rz === null ? null : tf.mul(cache.d1, rz);
}

/** gy null (the Gauss-Newton product) drops the term in f'' */
export function activationRBackward(cache: ActivationCache, gy: tf.Tensor | null, rz: Tangent, rgy: Tangent): Tangent {
  const first = rgy === null ? null : tf.mul(cache.d1, rgy);
  const second = cache.d2 === null || rz === null || gy === null ? null : tf.mul(tf.mul(cache.d2, gy), rz);
  if (first === null) return second;
  return second === null ? first : tf.add(first, second);
}

type ActivationNode = Extract<LayerNode, { op: 'activation' }>;

/** the output alone, without the derivative caches */
function activationValue(fn: Activation, z: tf.Tensor): tf.Tensor {
  return fn === 'relu' ? tf.relu(z) : fn === 'tanh' ? tf.tanh(z) : tf.sigmoid(z);
}

export const activationKind: LayerKind<ActivationNode, ActivationCache, null, null> = {
  inputs: (n) => [n.input],
  ownsParams: false,
  forward: (n, [z]) => activationForward(n.fn, z),
  predict: (n, [z]) => activationValue(n.fn, z),
  backward: (_n, { cache, gy }) => ({ gxs: [activationBackward(cache, gy)], back: null }),
  rForward: (_n, { cache, rxs: [rz] }) => ({ ry: activationRForward(cache, rz), t: null }),
  rBackward: (_n, { cache, gy, rxs: [rz], rgy }) => [activationRBackward(cache, gy, rz, rgy)],
};
