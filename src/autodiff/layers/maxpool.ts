import * as tf from '@tensorflow/tfjs-core';
import { samePads, spatialOut, type LayerNode, type Padding } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import { mergeK, splitK, type Tangent } from './types.js';

/**
 * Max-pooling as a selection fixed by the forward pass: one 0/1 mask per window offset (the first
 * maximum in row-major window order wins ties, as TensorFlow), so that
 *   y = sum_o m_o * S_o(x),  R(y) = sum_o m_o * S_o(R(x)),  g_x = sum_o S_o^T(m_o * g_y),
 *   R(g_x) = sum_o S_o^T(m_o * R(g_y))
 * where S_o is the strided slice of the padded input at offset o and S_o^T its transpose (a scatter
 * built from pads and reshapes). Written with public ops only, so it is the same on every backend
 * (wasm's own max-pool gradient is wrong) and needs no second-order gradient of its own.
 */
export interface MaxPoolArgs {
  size: number;
  stride: number;
  padding: Padding;
}

export interface MaxPoolCache {
  masks: tf.Tensor[];
  inShape: [number, number, number, number];
}

interface Geometry {
  outH: number;
  outW: number;
  pads: [[number, number], [number, number]];
}

function geometry(h: number, w: number, a: MaxPoolArgs): Geometry {
  const outH = spatialOut(h, a.size, a.stride, a.padding);
  const outW = spatialOut(w, a.size, a.stride, a.padding);
  const ph = a.padding === 'same' ? samePads(h, a.size, a.stride) : [0, 0];
  const pw = a.padding === 'same' ? samePads(w, a.size, a.stride) : [0, 0];
  return { outH, outW, pads: [ph as [number, number], pw as [number, number]] };
}

/** the window element at offset (di, dj) of every output position, from a padded input */
function offsetSlice(xp: tf.Tensor, di: number, dj: number, g: Geometry, s: number): tf.Tensor {
  const [b, , , c] = xp.shape;
  return tf.stridedSlice(xp, [0, di, dj, 0], [b, di + (g.outH - 1) * s + 1, dj + (g.outW - 1) * s + 1, c], [1, s, s, 1]);
}

function padInput(x: tf.Tensor, g: Geometry, value: number): tf.Tensor {
  const [ph, pw] = g.pads;
  if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return x;
  return tf.pad(x, [[0, 0], ph, pw, [0, 0]], value);
}

export function maxPoolForward(x: tf.Tensor, a: MaxPoolArgs): { y: tf.Tensor; cache: MaxPoolCache } {
  const [, h, w] = x.shape;
  const g = geometry(h, w, a);
  const xp = padInput(x, g, -3.4e38);
  const slices: tf.Tensor[] = [];
  for (let di = 0; di < a.size; di++) for (let dj = 0; dj < a.size; dj++) slices.push(offsetSlice(xp, di, dj, g, a.stride));
  const y = slices.reduce((m, t) => tf.maximum(m, t));
  let taken: tf.Tensor = tf.zerosLike(y);
  const masks = slices.map((t) => {
    const m = tf.mul(tf.cast(tf.equal(t, y), 'float32'), tf.sub(1, taken));
    taken = tf.add(taken, m);
    return m;
  });
  return { y, cache: { masks, inShape: x.shape as [number, number, number, number] } };
}

/** sum_o S_o^T(u_o): scatters per-offset values [N, outH, outW, C] back onto the input grid */
function scatter(us: tf.Tensor[], a: MaxPoolArgs, inShape: number[]): tf.Tensor {
  const [n, outH, outW, c] = us[0].shape;
  const [, h, w] = inShape;
  const g = geometry(h, w, a);
  const s = a.stride;
  const [ph, pw] = g.pads;
  const canvasH = Math.max(h + ph[0] + ph[1], a.size - 1 + outH * s);
  const canvasW = Math.max(w + pw[0] + pw[1], a.size - 1 + outW * s);
  let sum: tf.Tensor | null = null;
  let o = 0;
  for (let di = 0; di < a.size; di++) {
    for (let dj = 0; dj < a.size; dj++, o++) {
      // place u at rows di + i*s, columns dj + j*s
      const spread = tf.reshape(
        tf.pad(tf.reshape(us[o], [n, outH, 1, outW, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]),
        [n, outH * s, outW * s, c]);
      const placed = tf.pad(spread, [[0, 0], [di, canvasH - di - outH * s], [dj, canvasW - dj - outW * s], [0, 0]]);
      sum = sum === null ? placed : tf.add(sum, placed);
    }
  }
  return tf.slice(sum!, [0, ph[0], pw[0], 0], [n, h, w, c]);
}

export function maxPoolBackward(cache: MaxPoolCache, gy: tf.Tensor, a: MaxPoolArgs): tf.Tensor {
  return scatter(cache.masks.map((m) => tf.mul(m, gy)), a, cache.inShape);
}

export function maxPoolRForward(cache: MaxPoolCache, rx: Tangent, a: MaxPoolArgs): Tangent {
  if (rx === null) return null;
  const k = rx.shape[0];
  const [, h, w] = cache.inShape;
  const g = geometry(h, w, a);
  const xp = padInput(mergeK(rx), g, 0);
  let sum: tf.Tensor | null = null;
  let o = 0;
  for (let di = 0; di < a.size; di++) {
    for (let dj = 0; dj < a.size; dj++, o++) {
      const t = tf.mul(splitK(offsetSlice(xp, di, dj, g, a.stride), k), cache.masks[o]);
      sum = sum === null ? t : tf.add(sum, t);
    }
  }
  return sum;
}

export function maxPoolRBackward(cache: MaxPoolCache, rgy: Tangent, a: MaxPoolArgs): Tangent {
  if (rgy === null) return null;
  const k = rgy.shape[0];
  const [b, h, w, c] = cache.inShape;
  const out = scatter(cache.masks.map((m) => mergeK(tf.mul(m, rgy))), a, [k * b, h, w, c]);
  return splitK(out, k);
}

type MaxPoolNode = Extract<LayerNode, { op: 'maxpool' }>;

export const maxPoolKind: LayerKind<MaxPoolNode, MaxPoolCache, null, null> = {
  inputs: (n) => [n.input],
  ownsParams: false,
  forward: (n, [x]) => maxPoolForward(x, n),
  predict: (n, [x]) => tf.maxPool(x as tf.Tensor4D, n.size, n.stride, n.padding),
  backward: (n, { cache, gy, needInput: [need] }) => ({ gxs: [need ? maxPoolBackward(cache, gy, n) : null], back: null }),
  rForward: (n, { cache, rxs: [rx] }) => ({ ry: maxPoolRForward(cache, rx, n), t: null }),
  rBackward: (n, { cache, rgy }) => [maxPoolRBackward(cache, rgy, n)],
};
