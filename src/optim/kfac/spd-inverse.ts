import * as tf from '@tensorflow/tfjs-core';

/**
 * Inverses of symmetric positive-definite matrices (KFAC's damped factors).
 *  - hostSpdInverse: float64 Cholesky on the host, for small factors.
 *  - spdInverse: on the backend in float32 by recursive 2x2 block inversion through the Schur
 *    complement, with host float64 leaves:
 *      M = [[A, B], [B^T, D]],  X = A^-1 B,  S = D - B^T X  (SPD when M is),
 *      M^-1 = [[A^-1 + X S^-1 X^T, -X S^-1], [-(X S^-1)^T, S^-1]].
 *    About 4/3 n^3 flops in large matrix products (ResNet-18's largest factor is 4608 x 4608,
 *    too slow for the host), and n / leaf host reads of leaf x leaf blocks.
 */

/**
 * A damped factor that cannot be inverted: not positive definite in floating point (a pivot at or
 * below zero, or NaN), or not finite. kfac-jax's float32 Cholesky gives NaNs there and its run
 * ends as diverged; the KFAC direction turns this error into the same (a NaN direction).
 */
export class FactorInverseError extends Error {}

/** Row-major n x n float64 inverse of an SPD matrix by Cholesky; throws FactorInverseError when it is not positive definite. */
export function hostSpdInverse(a: ArrayLike<number>, n: number, what = 'matrix'): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (!(s > 0)) throw new FactorInverseError(`${what} is not positive definite (pivot ${j} is ${s}); raise the damping`);
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / d;
    }
  }
  // Z = L^-1 (lower triangular), row by row: Z_i = (e_i - sum_{k<i} L_ik Z_k) / L_ii (contiguous rows)
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    z[row + i] = 1;
    for (let k = 0; k < i; k++) {
      const f = l[row + k];
      if (f === 0) continue;
      const rk = k * n;
      for (let c = 0; c <= k; c++) z[row + c] -= f * z[rk + c];
    }
    const d = l[row + i];
    for (let c = 0; c <= i; c++) z[row + c] /= d;
  }
  // A^-1 = Z^T Z, accumulated row by row of Z (lower triangle, then mirrored)
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let i = 0; i <= k; i++) {
      const zi = z[rk + i];
      if (zi === 0) continue;
      const ri = i * n;
      for (let j = 0; j <= i; j++) inv[ri + j] += zi * z[rk + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j];
  return inv;
}

/** default size of the host leaves (and of factors inverted wholly on the host) */
export const HOST_LEAF = 128;

/** The inverse of an SPD matrix on the backend (float32), its leaves read asynchronously; the caller owns the result. */
export async function spdInverse(m: tf.Tensor2D, leaf = HOST_LEAF, what = 'matrix'): Promise<tf.Tensor2D> {
  const n = m.shape[0];
  if (n <= leaf) {
    const inv = hostSpdInverse(await m.data(), n, what);
    return tf.tensor2d(Float32Array.from(inv), [n, n]);
  }
  // split on a multiple of the leaf size, so that the leaves are full
  const h = leaf * Math.ceil(n / (2 * leaf));
  const r = n - h;
  const topLeftBlock = tf.slice(m, [0, 0], [h, h]);
  let aInv: tf.Tensor2D;
  try {
    aInv = await spdInverse(topLeftBlock, leaf, what);
  } finally {
    topLeftBlock.dispose();
  }
  const parts = tf.tidy(() => {
    const b = tf.slice(m, [0, h], [h, r]);
    const x = tf.matMul(aInv, b);
    const s = tf.sub(tf.slice(m, [h, h], [r, r]), tf.matMul(tf.transpose(b), x));
    const sSym = tf.mul(tf.add(s, tf.transpose(s)), 0.5) as tf.Tensor2D;
    return { x, sSym };
  });
  let sInv: tf.Tensor2D;
  try {
    sInv = await spdInverse(parts.sSym, leaf, what);
  } catch (e) {
    tf.dispose([aInv, parts.x, parts.sSym]);
    throw e;
  }
  const out = tf.tidy(() => {
    const y = tf.matMul(parts.x, sInv); // X S^-1, [h, r]
    const topLeft = tf.add(aInv, tf.matMul(y, tf.transpose(parts.x)));
    const top = tf.concat([topLeft, tf.neg(y)], 1);
    const bottom = tf.concat([tf.neg(tf.transpose(y)), sInv], 1);
    return tf.concat([top, bottom], 0) as tf.Tensor2D;
  });
  tf.dispose([aInv, parts.x, parts.sSym, sInv]);
  return out;
}
