import * as tf from '@tensorflow/tfjs-core';
import { maxPoolBackwardAdjoint, type PoolAttrs, poolInfo } from '../pool-kernels.js';

/**
 * Pooling gradients that route through the MaxPoolGrad / AvgPoolGrad kernels of
 * pool-kernels.ts (registered on every backend), plus the gradients of those two kernels.
 * Both backward kernels are linear in dy and piecewise constant in the pooled input:
 *   MaxPoolGrad(dy, x) scatters dy to the argmax pixels -> its dy-gradient gathers ddx there;
 *   AvgPoolGrad(dy, x) = avgPool^T dy                   -> its dy-gradient is avgPool(ddx).
 * tfjs registers neither, and its stock AvgPool gradient divides by the full window size.
 */

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? dy[0] : dy;
}

function poolAttrs(attrs: tf.NamedAttrMap): PoolAttrs {
  const a = attrs as unknown as PoolAttrs;
  return { filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
}

function run(kernel: string, inputs: Record<string, tf.Tensor>, attrs: PoolAttrs): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

export const maxPoolGradient: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ['x'],
  outputsToSave: [true],
  // `output` is handed on for kernels that want it; ours ignore it.
  gradFunc: (dy, [x, y], attrs) => ({
    x: () => run(tf.MaxPoolGrad, { dy: single(dy), input: x, output: y }, poolAttrs(attrs)),
  }),
};

export const maxPoolGradGradient: tf.GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, [input], attrs) => {
    const a = poolAttrs(attrs);
    const info = poolInfo(input.shape, a);
    return {
      dy: () => maxPoolBackwardAdjoint(single(ddx) as tf.Tensor4D, input as tf.Tensor4D, a),
      input: () => tf.zeros(input.shape),
      output: () => tf.zeros(info.outShape),
    };
  },
};

export const avgPoolGradient: tf.GradConfig = {
  kernelName: tf.AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => ({
    x: () => run(tf.AvgPoolGrad, { dy: single(dy), input: x }, poolAttrs(attrs)),
  }),
};

export const avgPoolGradGradient: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, [input], attrs) => {
    const a = poolAttrs(attrs);
    return {
      dy: () => run(tf.AvgPool, { x: single(ddx) }, a),
      input: () => tf.zeros(input.shape),
    };
  },
};
