import * as tf from '@tensorflow/tfjs-core';

/**
 * Ops for the tape (tf.grad) path that stay exact when differentiated twice.
 * tf.logSoftmax and tf.losses.softmaxCrossEntropy are customGrad ops whose gradient reads a
 * saved output that the tape cannot connect back to the logits (see
 * gradients/elementwise.ts), so their second derivatives are wrong; these are built from
 * primitives whose gradients are registered by the kernel fixes instead.
 */

/** x with a zero gradient (a constant as far as differentiation is concerned). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const shape = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: () => tf.zeros(shape),
  }));
  return op(x) as T;
}

/** log(sum(exp(x))) along `axis` with the maximum taken out first (kept dims). */
export function logSumExp(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    // The shift cancels exactly in value and derivatives; as a constant it adds no rounding.
    const shift = stopGradient(tf.max(x, axis, true));
    return tf.add(shift, tf.log(tf.sum(tf.exp(tf.sub(x, shift)), axis, true)));
  });
}

/** log-softmax along `axis`: x - logSumExp(x). */
export function logSoftmax(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => tf.sub(x, logSumExp(x, axis)));
}

/**
 * Mean softmax cross-entropy over the rows whose mask is 1:
 *   sum_i mask_i * (logSumExp(logits_i) - logits_i[label_i]) / sum_i mask_i.
 * logits [batch, classes]; labels [batch] class indices (any numeric dtype, as in the
 * 'ce' loss spec); mask [batch] of 0/1 (default all ones). An all-zero mask gives 0.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, mask?: tf.Tensor1D): tf.Scalar {
  const [batch, classes] = logits.shape;
  if (labels.shape.length !== 1 || labels.shape[0] !== batch) {
    throw new Error(`softmaxCrossEntropy: labels must have shape [${batch}], got [${labels.shape}]`);
  }
  if (mask !== undefined && (mask.shape.length !== 1 || mask.shape[0] !== batch)) {
    throw new Error(`softmaxCrossEntropy: mask must have shape [${batch}], got [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), classes);
    const picked = tf.sum(tf.mul(logits, oneHot), 1);
    const perRow = tf.sub(tf.reshape(logSumExp(logits, 1), [batch]), picked);
    if (mask === undefined) return tf.mean(perRow);
    const weight = tf.cast(mask, 'float32');
    return tf.div(tf.sum(tf.mul(perRow, weight)), tf.maximum(tf.sum(weight), 1));
  });
}
