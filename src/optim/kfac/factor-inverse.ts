import * as tf from '@tensorflow/tfjs-core';

/**
 * The inverse of one damped Kronecker factor, as a block applies it: from the left to the rows of
 * V [d_A, d_G] (A^-1 V) or from the right to its columns (V G^-1; the inverse is symmetric).
 */
export interface FactorInverse {
  readonly size: number;
  left(v: tf.Tensor2D): tf.Tensor2D;
  right(v: tf.Tensor2D): tf.Tensor2D;
  /** the whole n x n matrix (for tests; the caller owns it) */
  dense(): tf.Tensor2D;
  dispose(): void;
}

/** an inverse held as its n x n matrix (takes ownership of `inv`) */
export function denseInverse(inv: tf.Tensor2D): FactorInverse {
  return {
    size: inv.shape[0],
    left: (v) => tf.matMul(inv, v),
    right: (v) => tf.matMul(v, inv),
    dense: () => tf.clone(inv),
    dispose: () => inv.dispose(),
  };
}

/**
 * The inverse of a damped factor M = F / norm + eps I whose rows and columns at some indices are
 * exactly zero in F (inputs that are always zero: a 3x3 'same' convolution on a 1x1 feature map,
 * as ResNet-18's last stage on 32x32 images, sees only zero padding in 8 of its 9 taps; a dead
 * unit). Those rows decouple, so exactly
 *   M^-1 = [S^-1 on the kept indices; 1 / eps on the zero ones],  S = F_kept / norm + eps I,
 * and only S is inverted. `sub` is S^-1 times the caller's factor (null when nothing is kept),
 * `zeroScale` the factor / eps of the zero rows. Applying it gathers the kept rows, multiplies by
 * the small inverse, scales the rest and puts the rows back in place. Takes ownership of `sub`.
 */
export function reducedInverse(size: number, kept: readonly number[], sub: tf.Tensor2D | null, zeroScale: number): FactorInverse {
  if ((sub === null) !== (kept.length === 0)) throw new Error('reducedInverse: the sub-inverse must be given exactly when rows are kept');
  const isKept = new Uint8Array(size);
  for (const i of kept) isKept[i] = 1;
  const zeroed = Array.from({ length: size }, (_, i) => i).filter((i) => isKept[i] === 0);
  // position of each row in [kept rows; zero rows], to put them back in order with one gather
  const order = new Int32Array(size);
  kept.forEach((i, k) => (order[i] = k));
  zeroed.forEach((i, k) => (order[i] = kept.length + k));
  const keptIdx = tf.keep(tf.tensor1d(Int32Array.from(kept), 'int32'));
  const zeroIdx = tf.keep(tf.tensor1d(Int32Array.from(zeroed), 'int32'));
  const back = tf.keep(tf.tensor1d(order, 'int32'));
  const apply = (v: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D =>
    tf.tidy(() => {
      if (sub === null) return tf.mul(v, zeroScale);
      if (zeroed.length === 0) return axis === 0 ? tf.matMul(sub, v) : tf.matMul(v, sub);
      const zeroPart = tf.mul(tf.gather(v, zeroIdx, axis), zeroScale);
      const keptRows = tf.gather(v, keptIdx, axis) as tf.Tensor2D;
      const keptPart = axis === 0 ? tf.matMul(sub, keptRows) : tf.matMul(keptRows, sub);
      return tf.gather(tf.concat([keptPart, zeroPart], axis), back, axis) as tf.Tensor2D;
    });
  return {
    size,
    left: (v) => apply(v, 0),
    right: (v) => apply(v, 1),
    dense: () => apply(tf.eye(size) as tf.Tensor2D, 0),
    dispose: () => tf.dispose([keptIdx, zeroIdx, back, ...(sub === null ? [] : [sub])]),
  };
}
