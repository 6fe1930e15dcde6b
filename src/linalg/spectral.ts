import { fromData } from './matrix.js';
import { applySpectralFunction, symmetricEigen } from './symmetric-eigen.js';

/**
 * The spectrum of a real symmetric matrix A = Q diag(values) Q^T, and products f(A) x with any
 * function of its eigenvalues: what exact saddle-free Newton needs (|A|^{-1} g, |A| v).
 */
export interface SymmetricSpectrum {
  readonly n: number;
  /** eigenvalues, ascending */
  readonly values: Float64Array;
  /** f(A) x = Q f(diag(values)) Q^T x */
  apply(f: (lambda: number) => number, x: Float64Array): Float64Array;
}

/**
 * The spectrum of `a` (row-major n x n, read as (A + A^T) / 2; not modified), in float64.
 * Throws when an entry is not finite or the iteration does not converge.
 *
 * This version forms the eigenvectors with symmetric-eigen.ts (a few seconds at n = 1057); a faster
 * one with the same interface keeps the Householder reflections and QL rotations instead.
 */
export function symmetricSpectrum(a: Float64Array, n: number): SymmetricSpectrum {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) {
    throw new Error(`symmetricSpectrum: a ${n} x ${n} matrix needs ${n * n} entries, got ${a.length}`);
  }
  const eig = symmetricEigen(fromData(n, n, a));
  return {
    n,
    values: eig.values,
    apply: (f, x) => applySpectralFunction(eig, f, x),
  };
}
