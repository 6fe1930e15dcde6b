import * as tf from '@tensorflow/tfjs-core';
import { type DimRoundingMode, padToWindows, tap, windowGeometry } from './nhwc-windows.js';

/**
 * Pooling backward kernels written once with public ops, registered on every backend so
 * that first and second derivatives follow one convention everywhere:
 *  - max pool: the gradient goes to the FIRST maximum of each window in row-major order,
 *    padding never wins (as tfjs-cpu; wasm's own MaxPoolGrad and MaxPoolWithArgmax start the
 *    running maximum at +1.2e-38 instead of -inf, so windows whose values are all negative
 *    send their gradient to the wrong pixel and return the wrong maximum);
 *  - avg pool: the exact adjoint of avgPool, whose windows average over the pixels inside
 *    the input only ('same' padding is not counted). The stock AvgPoolGrad of cpu and wasm
 *    divides by the full window size instead, wrong at 'same' borders.
 */

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: DimRoundingMode;
}

export function poolInfo(xShape: number[], a: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
}

/** For every pooled value, the flat index (batch included) of the input pixel it came from. */
export function maxPoolArgmax(x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  const info = poolInfo(x.shape, a);
  const g = windowGeometry(info);
  const [n, h, w, c] = x.shape;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  return tf.tidy(() => {
    const padded = padToWindows(x, g, kh, kw, Number.NEGATIVE_INFINITY);
    let best = tap(padded, g, 0, 0);
    let bestOffset: tf.Tensor = tf.zeros(best.shape, 'int32');
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        if (i === 0 && j === 0) continue;
        const candidate = tap(padded, g, i, j);
        // strictly greater: ties keep the earlier tap, NaN never wins
        const wins = tf.greater(candidate, best);
        best = tf.where(wins, candidate, best);
        bestOffset = tf.where(wins, tf.scalar((i * w + j) * c, 'int32'), bestOffset);
      }
    }
    const index = tf.add(cornerIndex(n, h, w, c, g), bestOffset);
    // Only a window of -inf pixels can pick padding; keep its index inside the tensor.
    return tf.minimum(tf.maximum(index, tf.scalar(0, 'int32')), tf.scalar(n * h * w * c - 1, 'int32')) as tf.Tensor4D;
  });
}

/** Flat index of each window's top-left tap (may lie in the padding, so may be negative). */
function cornerIndex(
  n: number,
  h: number,
  w: number,
  c: number,
  g: ReturnType<typeof windowGeometry>,
): tf.Tensor4D {
  const out = new Int32Array(n * g.outH * g.outW * c);
  let k = 0;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const pixel = ((b * h + oh * g.strideH - g.top) * w + (ow * g.strideW - g.left)) * c;
        for (let ch = 0; ch < c; ch++) out[k++] = pixel + ch;
      }
    }
  }
  return tf.tensor4d(out, [n, g.outH, g.outW, c], 'int32');
}

/** d(max pool)/dx applied to dy: each dy goes to its window's argmax (scatter-add). */
export function maxPoolBackward(dy: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const index = tf.reshape(maxPoolArgmax(x, a), [-1, 1]);
    return tf.reshape(tf.scatterND(index, tf.reshape(dy, [-1]), [x.size]), x.shape);
  });
}

/** The adjoint of maxPoolBackward in dy: ddx read at each window's argmax (a gather). */
export function maxPoolBackwardAdjoint(ddx: tf.Tensor4D, x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const index = maxPoolArgmax(x, a);
    return tf.reshape(tf.gather(tf.reshape(ddx, [-1]), tf.reshape(index, [-1])), index.shape);
  });
}

/** Number of input pixels (padding excluded) in each pooling window: [1, outH, outW, 1]. */
function windowCounts(xShape: number[], a: PoolAttrs): tf.Tensor4D {
  const info = poolInfo(xShape, a);
  const g = windowGeometry(info);
  const inside = (o: number, stride: number, before: number, k: number, size: number) =>
    Math.min(size, o * stride - before + k) - Math.max(0, o * stride - before);
  const counts = new Float32Array(g.outH * g.outW);
  for (let oh = 0; oh < g.outH; oh++) {
    for (let ow = 0; ow < g.outW; ow++) {
      counts[oh * g.outW + ow] =
        inside(oh, g.strideH, g.top, info.filterHeight, info.inHeight) *
        inside(ow, g.strideW, g.left, info.filterWidth, info.inWidth);
    }
  }
  return tf.tensor4d(counts, [1, g.outH, g.outW, 1]);
}

/** Exact adjoint of avgPool: dy / count spread over each window (a transposed conv per channel). */
export function avgPoolBackward(dy: tf.Tensor4D, xShape: number[], a: PoolAttrs): tf.Tensor4D {
  const info = poolInfo(xShape, a);
  const [n, h, w, c] = xShape;
  return tf.tidy(() => {
    const scaled = tf.div(dy, windowCounts(xShape, a));
    // channels into the batch, so that one [kh, kw, 1, 1] all-ones filter serves them all
    const perChannel = tf.reshape(tf.transpose(scaled, [0, 3, 1, 2]), [n * c, info.outHeight, info.outWidth, 1]);
    const ones = tf.ones([info.filterHeight, info.filterWidth, 1, 1]);
    const spread = tf.engine().runKernel(
      tf.Conv2DBackpropInput,
      { dy: perChannel, filter: ones },
      {
        inputShape: [n * c, h, w, 1],
        strides: a.strides,
        pad: a.pad,
        dataFormat: 'NHWC',
        dimRoundingMode: a.dimRoundingMode,
      } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
    return tf.transpose(tf.reshape(spread, [n, c, h, w]), [0, 2, 3, 1]);
  });
}

export const maxPoolGradKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, input } = inputs as unknown as { dy: tf.Tensor4D; input: tf.Tensor4D };
  return maxPoolBackward(dy, input, attrs as unknown as PoolAttrs);
};

export const avgPoolGradKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, input } = inputs as unknown as { dy: tf.Tensor4D; input: tf.Tensor4D };
  return avgPoolBackward(dy, input.shape, attrs as unknown as PoolAttrs);
};

/** MaxPoolWithArgmax with the same (correct) maximum and index convention. */
export const maxPoolWithArgmaxKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { x } = inputs as unknown as { x: tf.Tensor4D };
  const a = attrs as unknown as tf.MaxPoolWithArgmaxAttrs;
  const poolAttrs: PoolAttrs = { filterSize: a.filterSize, strides: a.strides, pad: a.pad };
  return tf.tidy(() => {
    const index = maxPoolArgmax(x, poolAttrs);
    const result = tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(index, [-1])), index.shape);
    if (a.includeBatchInIndex) return [result, index];
    const [, h, w, c] = x.shape;
    const batchStart = tf.reshape(tf.mul(tf.range(0, x.shape[0], 1, 'int32'), tf.scalar(h * w * c, 'int32')), [-1, 1, 1, 1]);
    return [result, tf.sub(index, batchStart)];
  }) as tf.Tensor[];
};
