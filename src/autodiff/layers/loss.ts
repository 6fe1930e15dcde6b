import * as tf from '@tensorflow/tfjs-core';
import type { LossKind } from '../../models/loss-spec.js';
import type { Tangent } from './types.js';

/**
 * Masked mean losses on outputs y [B, C], with w_i = mask_i / sum(mask):
 *   mse: L = sum_i w_i 0.5 |y_i - t_i|^2;  g_y = w (y - t);  R(g_y) = w R(y)
 *   ce : L = sum_i w_i (lse(y_i) - y_i[l_i]), p = softmax(y) (from log-sum-exp, never a softmax kernel);
 *        g_y = w (p - onehot);  R(g_y) = w (p R(y) - p <p, R(y)>)
 */
export interface LossCache {
  kind: LossKind;
  /** mask / sum(mask) as a column [B, 1] */
  weights: tf.Tensor;
  /** softmax probabilities, for 'ce' */
  probs?: tf.Tensor;
}

export function rowWeights(mask: tf.Tensor1D): tf.Tensor {
  return tf.reshape(tf.div(mask, tf.sum(mask)), [-1, 1]);
}

/** per-row loss values [B] (unweighted) and the softmax probabilities for 'ce' */
export function rowLosses(kind: LossKind, y: tf.Tensor, targets: tf.Tensor): { rows: tf.Tensor; probs?: tf.Tensor; onehot?: tf.Tensor } {
  if (kind === 'mse') {
    return { rows: tf.mul(0.5, tf.sum(tf.square(tf.sub(y, tf.reshape(targets, y.shape))), 1)) };
  }
  const classes = y.shape[1]!;
  const onehot = tf.cast(tf.oneHot(tf.cast(tf.reshape(targets, [-1]), 'int32'), classes), 'float32');
  const max = tf.max(y, 1, true);
  const shifted = tf.sub(y, max);
  const lse = tf.log(tf.sum(tf.exp(shifted), 1, true));
  const logp = tf.sub(shifted, lse);
  const rows = tf.neg(tf.sum(tf.mul(onehot, logp), 1));
  return { rows, probs: tf.exp(logp), onehot };
}

export function lossForward(kind: LossKind, y: tf.Tensor, targets: tf.Tensor, mask: tf.Tensor1D): { loss: tf.Scalar; gy: tf.Tensor; cache: LossCache } {
  const weights = rowWeights(mask);
  const { rows, probs, onehot } = rowLosses(kind, y, targets);
  const loss = tf.sum(tf.mul(rows, tf.reshape(weights, [-1]))) as tf.Scalar;
  const gy = kind === 'mse'
    ? tf.mul(tf.sub(y, tf.reshape(targets, y.shape)), weights)
    : tf.mul(tf.sub(probs!, onehot!), weights);
  return { loss, gy, cache: { kind, weights, probs } };
}

/** R(g_y) for tangents R(y) [K, B, C] */
export function lossRBackward(cache: LossCache, ry: Tangent): Tangent {
  if (ry === null) return null;
  if (cache.kind === 'mse') return tf.mul(ry, cache.weights);
  const p = cache.probs!;
  const pr = tf.mul(p, ry);
  return tf.mul(tf.sub(pr, tf.mul(p, tf.sum(pr, -1, true))), cache.weights);
}
