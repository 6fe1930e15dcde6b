import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels that are piecewise constant in their inputs (comparisons and logic on their
 * boolean results). Their derivative is zero, but tfjs registers no gradient for most of
 * them, so differentiating any gradient that builds a mask (relu6, maximum, clipByValue,
 * max-reduction, where) a second time stops with "gradient function not found".
 */
export const PIECEWISE_CONSTANT_KERNELS = [
  tf.Equal,
  tf.NotEqual,
  tf.Greater,
  tf.GreaterEqual,
  tf.Less,
  tf.LessEqual,
  tf.LogicalAnd,
  tf.LogicalOr,
  tf.LogicalNot,
  tf.LogicalXor,
] as const;

function zeroFor(t: tf.Tensor): tf.Tensor {
  return tf.zeros(t.shape, 'float32');
}

export const comparisonGradients: tf.GradConfig[] = PIECEWISE_CONSTANT_KERNELS.map((kernelName) =>
  kernelName === tf.LogicalNot
    ? { kernelName, inputsToSave: ['x'], gradFunc: (_dy, [x]) => ({ x: () => zeroFor(x) }) }
    : {
        kernelName,
        inputsToSave: ['a', 'b'],
        gradFunc: (_dy, [a, b]) => ({ a: () => zeroFor(a), b: () => zeroFor(b) }),
      },
);
