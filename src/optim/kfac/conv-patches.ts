import * as tf from '@tensorflow/tfjs-core';
import { samePads, spatialOut, type Padding } from '../../models/spec.js';

/**
 * Convolution patches as KFC (Grosse & Martens 2016) and kfac-jax's patches_second_moment use
 * them: for every example and output location the zero-padded input window, flattened in the
 * order (kh, kw, c_in) (the order of the filter [kh, kw, c_in, c_out] reshaped to rows).
 */
export interface ConvGeometry {
  kh: number;
  kw: number;
  stride: number;
  padding: Padding;
}

/** im2col: [B, outH, outW, kh*kw*c_in], TensorFlow's 'same' padding (before = floor(total / 2)) */
export function extractPatches(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const s = g.stride;
  const outH = spatialOut(h, g.kh, s, g.padding);
  const outW = spatialOut(w, g.kw, s, g.padding);
  return tf.tidy(() => {
    const ph = g.padding === 'same' ? samePads(h, g.kh, s) : [0, 0];
    const pw = g.padding === 'same' ? samePads(w, g.kw, s) : [0, 0];
    const xp = ph[0] + ph[1] + pw[0] + pw[1] === 0 ? x : tf.pad(x, [[0, 0], ph as [number, number], pw as [number, number], [0, 0]]);
    const slices: tf.Tensor[] = [];
    for (let di = 0; di < g.kh; di++) {
      for (let dj = 0; dj < g.kw; dj++) {
        slices.push(tf.stridedSlice(xp, [0, di, dj, 0], [b, di + (outH - 1) * s + 1, dj + (outW - 1) * s + 1, c], [1, s, s, 1]));
      }
    }
    return (slices.length === 1 ? slices[0] : tf.concat(slices, 3)) as tf.Tensor4D;
  });
}

/** elements of patches materialised at once (chunks of examples beyond it) */
const PATCH_CHUNK_ELEMENTS = 1 << 24;

/**
 * sum over examples and output locations of p~ p~^T, with p~ = m_n [p; 1] when `bias` (the ones
 * entry gives kfac-jax's bias row, the patch sum, and corner, the count of locations), else
 * m_n p; m the row mask. Not divided by anything. Patches of a few examples at a time.
 */
export function patchSecondMoment(x: tf.Tensor4D, mask: tf.Tensor1D, g: ConvGeometry, bias: boolean): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  const locations = spatialOut(h, g.kh, g.stride, g.padding) * spatialOut(w, g.kw, g.stride, g.padding);
  const k = g.kh * g.kw * c + (bias ? 1 : 0);
  const chunk = Math.max(1, Math.floor(PATCH_CHUNK_ELEMENTS / (locations * k)));
  let sum: tf.Tensor2D | null = null;
  for (let start = 0; start < b; start += chunk) {
    const n = Math.min(chunk, b - start);
    const part = tf.tidy(() => {
      const xs = n === b ? x : tf.slice(x, [start, 0, 0, 0], [n, h, w, c]);
      const m = tf.reshape(n === b ? mask : tf.slice(mask, [start], [n]), [n, 1, 1, 1]);
      let p: tf.Tensor = tf.mul(extractPatches(xs as tf.Tensor4D, g), m);
      if (bias) {
        const [, oh, ow] = p.shape;
        p = tf.concat([p, tf.broadcastTo(m, [n, oh, ow, 1])], 3);
      }
      const rows = tf.reshape(p, [n * locations, k]);
      const moment = tf.matMul(tf.transpose(rows), rows) as tf.Tensor2D;
      return sum === null ? moment : (tf.add(sum, moment) as tf.Tensor2D);
    });
    sum?.dispose();
    sum = part;
  }
  return sum!;
}
