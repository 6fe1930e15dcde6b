import * as tf from '@tensorflow/tfjs-core';

/**
 * Max and Min: the stock gradients compare x with the saved output y, a clone the tape cannot
 * connect back to x (see elementwise.ts). The reduction is recomputed from x here. Every tied
 * element receives the full dy, as in the stock rule.
 */
function extremumGradient(kernelName: string, reduce: typeof tf.max): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const a = attrs as unknown as { reductionIndices?: number | number[]; axis?: number | number[] };
      // null means every axis, as in the ops
      const axes = tf.util.parseAxisParam((a.reductionIndices ?? a.axis ?? null) as number[], x.shape);
      return {
        x: () => {
          const g = Array.isArray(dy) ? dy[0] : dy;
          const keptShape = g.rank < x.rank ? tf.backend_util.expandShapeToKeepDim(g.shape, axes) : g.shape;
          const y = reduce(x, axes, true);
          return tf.mul(tf.reshape(g, keptShape), tf.cast(tf.equal(x, y), 'float32'));
        },
      };
    },
  };
}

export const maxGradient = extremumGradient(tf.Max, tf.max);
export const minGradient = extremumGradient(tf.Min, tf.min);
