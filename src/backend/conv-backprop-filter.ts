import * as tf from '@tensorflow/tfjs-core';
import { type ConvPad, type DimRoundingMode, padToWindows, windowGeometry } from './nhwc-windows.js';

export type { ConvPad } from './nhwc-windows.js';
export type FilterShape = [number, number, number, number];

/**
 * The gradient of conv2d with respect to its filter:
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[n, oh, ow, co]
 * (NHWC activations, [kh, kw, in, out] filters, TensorFlow's padding rules).
 *
 * dW for x [n, h, w, ci] and dy [n, oh, ow, co] through the backend's Conv2DBackpropFilter
 * kernel, which on wasm (it has none of its own) and cpu (its own is 30-45x slower) is
 * conv2dBackpropFilterComposite below; tfjs-node runs TensorFlow's. As a
 * kernel node on the tape its registered gradient (gradients/conv.ts) makes it twice
 * differentiable. Requires initBackend() to have run.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: FilterShape,
  strides: number | [number, number],
  pad: ConvPad,
): tf.Tensor4D {
  const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape };
  return tf.engine().runKernel(
    tf.Conv2DBackpropFilter,
    { x, dy } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}

/**
 * The filter gradient as ONE convolution: with batch and channels swapped, the padded input
 * x^T [ci, h', w', n] convolved by dy^T [oh, ow, n, co] with dilation = stride is
 * dW^T [ci, kh, kw, co]. On wasm this is a single XNNPACK convolution and two transposes.
 *
 * Measured on wasm (SIMD, 1 thread, 2-core machine, median ms, batch 8; this versus
 * im2col + matMul, the other candidate):
 *   x [8,32,32,3]  7x7 s2 -> 64   2.4 vs 36      x [8,16,16,3] 7x7 s2 -> 64   0.6 vs 13
 *   x [8,8,8,64]   3x3 s1 -> 64   1.5 vs 2.8     x [8,8,8,64]  3x3 s2 -> 128  0.8 vs 12
 *   x [8,8,8,64]   1x1 s2 -> 128  0.2 vs 0.8     x [8,4,4,128] 3x3 s1 -> 128  1.4 vs 5.9
 *   x [8,2,2,256]  3x3 s1 -> 256  2.8 vs 7.5     x [8,2,2,256] 3x3 s2 -> 512  2.2 vs 9.4
 *   x [8,1,1,512]  3x3 s1 -> 512  7.1 vs 24
 * (im2col loses to wasm's slow strided slices and transposed matMul.)
 */
export function conv2dBackpropFilterComposite(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: FilterShape,
  strides: number | [number, number],
  pad: ConvPad,
  dimRoundingMode?: DimRoundingMode,
): tf.Tensor4D {
  const [kh, kw] = filterShape;
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
  const g = windowGeometry(info);
  if (dy.shape[1] !== g.outH || dy.shape[2] !== g.outW || dy.shape[3] !== filterShape[3]) {
    throw new Error(
      `conv2dBackpropFilter: dy has shape [${dy.shape}], expected [${x.shape[0]},${g.outH},${g.outW},${filterShape[3]}]`,
    );
  }
  return tf.tidy(() => {
    const padded = padToWindows(x, g, kh, kw);
    const xT = tf.transpose(padded, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const dWT = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [g.strideH, g.strideW]);
    return tf.transpose(dWT, [1, 2, 0, 3]);
  });
}

/** The Conv2DBackpropFilter kernel sfn registers on wasm and cpu. */
export const conv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on this backend supports NHWC only, got ${a.dataFormat}`);
  }
  return conv2dBackpropFilterComposite(x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
};
