import * as tf from '@tensorflow/tfjs-core';
import type { LossKind } from '../models/loss-spec.js';
import { Rng } from '../util/random.js';

/**
 * The predictive distribution KFAC's Fisher is taken under, as kfac-jax registers our losses:
 *  - 'ce': a categorical over softmax(y);
 *  - 'mse': kfac-jax's squared-error loss is a Normal with mean y and variance 0.5, whose negative
 *    log-likelihood is |t - y|^2 + const: twice the 0.5*|t - y|^2 we optimise. So KFAC's curvature
 *    (and the Fisher / Gauss-Newton product it is compared with) is twice the Gauss-Newton matrix
 *    of our loss. We keep that factor, as the paper's runs did.
 */
export function fisherLossScale(kind: LossKind): number {
  return kind === 'mse' ? 2 : 1;
}

/** variance of kfac-jax's squared-error Normal */
const MSE_VARIANCE = 0.5;

/**
 * One target per row drawn from the predictive distribution, with the project's seeded generator
 * (the same draws on every backend): class indices [B] (float, as batch targets) for 'ce' from the
 * probabilities [B, C]; y + sqrt(0.5) * standard normal [B, outputs] for 'mse' from the outputs.
 */
export function sampleTargets(kind: LossKind, outputs: tf.Tensor, probs: tf.Tensor | undefined, seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const [rows, cols] = outputs.shape as [number, number];
  if (kind === 'mse') {
    const noise = new Float32Array(rows * cols);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.sqrt(MSE_VARIANCE) * rng.normal();
    return tf.tidy(() => tf.add(outputs, tf.tensor2d(noise, [rows, cols])));
  }
  if (probs === undefined) throw new Error('sampleTargets: the cross-entropy loss needs the softmax probabilities');
  // inverse-CDF sampling on the device: label = number of cumulative probabilities below u
  const u = new Float32Array(rows);
  for (let i = 0; i < rows; i++) u[i] = rng.uniform();
  return tf.tidy(() => {
    const below = tf.less(tf.cumsum(probs, 1), tf.tensor2d(u, [rows, 1]));
    const label = tf.minimum(tf.sum(tf.cast(below, 'int32'), 1), cols - 1);
    return tf.cast(label, 'float32');
  });
}

/**
 * Per-row gradients w.r.t. the outputs of the per-example negative log-likelihood -log p(t_n | y_n)
 * of kfac-jax's registered loss (see fisherLossScale): p - onehot(t) for 'ce', 2 (y - t) for 'mse';
 * rows whose mask is 0 (padding) are zero. Not divided by the batch size.
 */
export function negLogLikelihoodGradient(
  kind: LossKind, outputs: tf.Tensor, probs: tf.Tensor | undefined, targets: tf.Tensor, mask: tf.Tensor1D,
): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.reshape(mask, [-1, 1]);
    if (kind === 'mse') return tf.mul(tf.mul(tf.sub(outputs, tf.reshape(targets, outputs.shape)), fisherLossScale(kind)), m);
    const onehot = tf.oneHot(tf.cast(tf.reshape(targets, [-1]), 'int32'), outputs.shape[1] as number);
    return tf.mul(tf.sub(probs!, onehot), m);
  });
}
