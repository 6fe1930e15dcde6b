import { applyQ, applyQTransposed, tridiagonalise, type Tridiagonal } from './householder-tridiagonal.js';
import { rankTwoKernel, type KernelChoice } from './rank-two-kernel.js';
import { applyRotations, applyRotationsTransposed, tridiagonalQL, type RotationLog } from './tridiagonal-ql.js';

/**
 * A symmetric matrix's eigenvalues and the means to apply any function of it, f(A) x, without
 * forming eigenvectors: A = Q G diag(lambda) G^T Q^T with Q kept as Householder reflectors and G
 * as the QL algorithm's plane rotations, so each product costs O(n^2).
 */
export interface SymmetricSpectrum {
  readonly n: number;
  /** eigenvalues, ascending */
  readonly values: Float64Array;
  /** f(A) x = V diag(f(lambda)) V^T x; f must be finite at every eigenvalue */
  apply(f: (lambda: number) => number, x: Float64Array): Float64Array;
}

export interface SpectrumOptions {
  /** the tridiagonalisation's inner loop: WebAssembly SIMD where available ('auto', the default) or plain JS */
  kernel?: KernelChoice;
}

/**
 * Eigen-decomposition of the symmetric n x n matrix `a` (row-major, read as (A + A^T) / 2, so a
 * Hessian with rounding asymmetry is fine; not modified), in float64: Householder tridiagonalisation
 * then implicit QL. Eigenvalues are accurate to about n * 1e-16 * max|A_ij|.
 */
export function symmetricSpectrum(a: Float64Array, n: number, options: SpectrumOptions = {}): SymmetricSpectrum {
  if (!Number.isInteger(n) || n < 0) throw new Error(`symmetricSpectrum: the size must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) throw new Error(`symmetricSpectrum: a ${n} x ${n} matrix needs ${n * n} entries (row-major), got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      throw new Error(`symmetricSpectrum: entry (${Math.floor(i / n)}, ${i % n}) of the ${n} x ${n} matrix is ${a[i]}; the matrix must be finite (a diverged Hessian?)`);
    }
  }
  if (n === 0) return new Spectrum(null, null, new Float64Array(0));
  const tri = tridiagonalise(a, n, rankTwoKernel(n * n + 4 * n, options.kernel ?? 'auto'));
  const d = Float64Array.from(tri.d);
  const e = Float64Array.from(tri.e);
  const log = tridiagonalQL(d, e, n);
  for (let i = 0; i < n; i++) d[i] *= tri.scale;
  return new Spectrum(tri, log, d);
}

class Spectrum implements SymmetricSpectrum {
  readonly n: number;
  readonly values: Float64Array;

  /** eigenvalues in the QL algorithm's order, the order of G's columns */
  constructor(private readonly tri: Tridiagonal | null, private readonly log: RotationLog | null, private readonly lambda: Float64Array) {
    this.n = lambda.length;
    this.values = Float64Array.from(lambda).sort();
  }

  apply(f: (lambda: number) => number, x: Float64Array): Float64Array {
    const n = this.n;
    if (x.length !== n) throw new Error(`SymmetricSpectrum.apply: the vector has ${x.length} entries, the matrix is ${n} x ${n}`);
    const y = Float64Array.from(x);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) throw new Error(`SymmetricSpectrum.apply: entry ${i} of the vector is ${y[i]}; it must be finite`);
    }
    if (n === 0) return y;
    const tri = this.tri!;
    const log = this.log!;
    applyQTransposed(tri, y);
    applyRotationsTransposed(log, y);
    for (let i = 0; i < n; i++) {
      const fi = f(this.lambda[i]);
      if (!Number.isFinite(fi)) throw new Error(`SymmetricSpectrum.apply: f(${this.lambda[i]}) = ${fi} at an eigenvalue; f must be finite on the spectrum`);
      y[i] *= fi;
    }
    applyRotations(log, y);
    applyQ(tri, y);
    return y;
  }
}
