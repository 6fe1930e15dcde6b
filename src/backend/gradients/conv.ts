import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients of the two conv2d backward kernels, so that a conv net's gradient can itself be
 * differentiated. Both kernels are bilinear:
 *   Conv2DBackpropFilter(x, dy) = dW   ->  d<ddW, dW>/dx  = Conv2DBackpropInput(dy, ddW),
 *                                          d<ddW, dW>/ddy = conv2d(x, ddW);
 *   Conv2DBackpropInput(dy, W)  = dx   ->  d<ddx, dx>/ddy = conv2d(ddx, W),
 *                                          d<ddx, dx>/dW  = Conv2DBackpropFilter(ddx, dy).
 * tfjs registers no gradient for Conv2DBackpropFilter at all.
 */

type ConvBackpropAttrs = {
  strides: number | [number, number];
  pad: tf.Conv2DBackpropFilterAttrs['pad'];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

function run(kernel: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

function shared(a: ConvBackpropAttrs) {
  return { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode };
}

function single(dy: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(dy) ? dy[0] : dy;
}

export const conv2dBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddW, [x, dy], attrs) => {
    const a = attrs as unknown as ConvBackpropAttrs;
    const filter = single(ddW);
    return {
      x: () => run(tf.Conv2DBackpropInput, { dy, filter }, { ...shared(a), inputShape: x.shape }),
      dy: () => run(tf.Conv2D, { x, filter }, { ...shared(a), dilations: 1 }),
    };
  },
};

export const conv2dBackpropInputGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, [dy, filter], attrs) => {
    const a = attrs as unknown as ConvBackpropAttrs;
    const x = single(ddx);
    return {
      dy: () => run(tf.Conv2D, { x, filter }, { ...shared(a), dilations: 1 }),
      filter: () => run(tf.Conv2DBackpropFilter, { x, dy }, { ...shared(a), filterShape: filter.shape }),
    };
  },
};
