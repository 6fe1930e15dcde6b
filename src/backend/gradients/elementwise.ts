import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients of elementwise kernels, recomputed from the kernel's INPUT.
 *
 * The stock tfjs gradients of Tanh, Sigmoid, Exp and Elu read the kernel's saved output y.
 * The engine saves y as a clone that it puts on the tape BEFORE the node that produced y,
 * so when the gradient itself is differentiated (reverse-over-reverse), the path
 * x -> y -> gradient is not found and the second derivative silently loses every term that
 * goes through y (for tanh the whole of -2 tanh(x)(1 - tanh(x)^2) dy). Recomputing from x
 * (one extra elementwise kernel) keeps every path on the tape.
 */

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? dy[0] : dy;
}

export const tanhGradient: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(single(dy), tf.sub(1, tf.square(tf.tanh(x)))) }),
};

export const sigmoidGradient: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({
    x: () => {
      const s = tf.sigmoid(x);
      return tf.mul(single(dy), tf.mul(s, tf.sub(1, s)));
    },
  }),
};

export const expGradient: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(single(dy), tf.exp(x)) }),
};

/** elu'(x) = 1 for x > 0, exp(x) otherwise, written exp(min(x, 0)) so no branch can overflow. */
export const eluGradient: tf.GradConfig = {
  kernelName: tf.Elu,
  inputsToSave: ['x'],
  gradFunc: (dy, [x]) => ({ x: () => tf.mul(single(dy), tf.exp(tf.minimum(x, 0))) }),
};

/** a^b: the stock exponent gradient reads the saved output; both parts recompute it here. */
export const powGradient: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => {
    const g = single(dy);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const exponent = tf.cast(b, 'float32');
    return {
      a: () => reduceTo(tf.mul(g, tf.mul(exponent, tf.pow(a, tf.sub(exponent, 1)))), a.shape, outShape),
      b: () => {
        // log(a) only where a > 0 (the stock rule's convention); log(1) = 0 elsewhere, no NaN.
        const safeLog = tf.log(tf.where(tf.greater(a, 0), a, tf.onesLike(a)));
        return reduceTo(tf.mul(g, tf.mul(tf.pow(a, exponent), safeLog)), b.shape, outShape);
      },
    };
  },
};

function reduceTo(t: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
}

/** Softmax recomputed from the logits: dx = y*dy - y*sum(y*dy). */
export const softmaxGradient: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, [logits], attrs) => {
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    return {
      logits: () => {
        const y = tf.softmax(logits, dim);
        const yDy = tf.mul(y, single(dy));
        return tf.sub(yDy, tf.mul(y, tf.sum(yDy, dim, true)));
      },
    };
  },
};
