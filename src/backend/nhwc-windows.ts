import * as tf from '@tensorflow/tfjs-core';

/** Helpers shared by the composite conv and pooling kernels (NHWC tensors). */

export type ConvPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export type DimRoundingMode = 'floor' | 'round' | 'ceil';

export interface WindowGeometry {
  strideH: number;
  strideW: number;
  /** padding before the first row / column, as TensorFlow computes it */
  top: number;
  left: number;
  outH: number;
  outW: number;
}

export function windowGeometry(info: tf.backend_util.Conv2DInfo): WindowGeometry {
  return {
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
    outH: info.outHeight,
    outW: info.outWidth,
  };
}

/**
 * Pads with `value` or crops so that rows [-top, (outH-1)*strideH + kh - top) and the same
 * columns exist: every window lies inside, nothing is left that no window reaches.
 */
export function padToWindows(
  x: tf.Tensor4D,
  g: WindowGeometry,
  kh: number,
  kw: number,
  value = 0,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const bottom = (g.outH - 1) * g.strideH + kh - h - g.top;
  const right = (g.outW - 1) * g.strideW + kw - w - g.left;
  let t = x;
  if (g.top > 0 || g.left > 0 || bottom > 0 || right > 0) {
    t = tf.pad(t, [[0, 0], [g.top, Math.max(bottom, 0)], [g.left, Math.max(right, 0)], [0, 0]], value);
  }
  if (bottom < 0 || right < 0) {
    const [, ph, pw] = t.shape;
    t = tf.slice(t, [0, 0, 0, 0], [n, ph + Math.min(bottom, 0), pw + Math.min(right, 0), c]);
  }
  return t;
}

/** The pixels that window tap (i, j) meets, one per output position: [n, outH, outW, c]. */
export function tap(padded: tf.Tensor4D, g: WindowGeometry, i: number, j: number): tf.Tensor4D {
  const [n, , , c] = padded.shape;
  if (g.strideH === 1 && g.strideW === 1) return tf.slice(padded, [0, i, j, 0], [n, g.outH, g.outW, c]);
  return tf.stridedSlice(
    padded,
    [0, i, j, 0],
    [n, i + (g.outH - 1) * g.strideH + 1, j + (g.outW - 1) * g.strideW + 1, c],
    [1, g.strideH, g.strideW, 1],
  ) as tf.Tensor4D;
}
