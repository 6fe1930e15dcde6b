import type { Matrix } from './matrix.js';
import { checkSquare, zeros } from './matrix.js';

export interface SymmetricEigen {
  readonly n: number;
  /** eigenvalues in ascending order */
  readonly values: Float64Array;
  /** orthonormal eigenvectors as columns (A = Q diag(values) Q^T), or null when not requested */
  readonly vectors: Matrix | null;
}

export interface SymmetricEigenOptions {
  /** compute eigenvectors too (default true); values alone cost about a third of the time */
  vectors?: boolean;
}

const EPS = Number.EPSILON;

/**
 * Eigendecomposition of a real symmetric matrix in float64: Householder reduction to tridiagonal
 * form, then the implicit QL algorithm with Wilkinson-type shifts (the EISPACK tred2 / tql2 scheme).
 * The input is read as (A + A^T) / 2, so a Hessian with rounding asymmetry is fine; it is not modified.
 *
 * Laid out for speed in plain JS: the reduction touches only the lower triangle, row by row, and
 * each QL sweep's rotations are applied to the eigenvector matrix in one contiguous pass per row.
 * A 1057 x 1057 matrix (the UCI Energy MLP) takes a few seconds with vectors.
 */
export function symmetricEigen(a: Matrix, options: SymmetricEigenOptions = {}): SymmetricEigen {
  checkSquare(a);
  const n = a.rows;
  const wantVectors = options.vectors ?? true;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new Error(`symmetricEigen: matrix entry ${i} is ${a.data[i]}; the matrix must be finite`);
  }
  if (n === 0) return { n, values: new Float64Array(0), vectors: wantVectors ? zeros(0, 0) : null };

  const { d, e, q } = tridiagonalize(a, wantVectors);
  implicitQL(d, e, q, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = Float64Array.from(order, (i) => d[i]);
  let vectors: Matrix | null = null;
  if (q !== null) {
    vectors = zeros(n, n);
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) vectors.data[row + j] = q[row + order[j]];
    }
  }
  return { n, values, vectors };
}

/**
 * Householder reduction A = Q T Q^T. Returns T's diagonal d and subdiagonal e (e[i] couples i and
 * i+1, e[n-1] = 0) and, when asked, Q (row-major).
 */
function tridiagonalize(a: Matrix, wantVectors: boolean): { d: Float64Array; e: Float64Array; q: Float64Array | null } {
  const n = a.rows;
  // w: lower triangle = the matrix being reduced; row k's upper part stores Householder vector k
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) w[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(n);
  const v = new Float64Array(n);
  const p = new Float64Array(n);

  for (let k = 0; k < n - 2; k++) {
    d[k] = w[k * n + k];
    let scale = 0;
    for (let i = k + 1; i < n; i++) scale = Math.max(scale, Math.abs(w[i * n + k]));
    if (scale === 0) {
      e[k] = 0;
      betas[k] = 0;
      continue;
    }
    let sigma = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = w[i * n + k];
      const t = v[i] / scale;
      sigma += t * t;
    }
    sigma = scale * Math.sqrt(sigma);
    const x0 = v[k + 1];
    const alpha = x0 >= 0 ? -sigma : sigma; // no cancellation in x0 - alpha
    v[k + 1] = x0 - alpha;
    let vtv = 0;
    for (let i = k + 1; i < n; i++) vtv += v[i] * v[i];
    const beta = 2 / vtv;
    betas[k] = beta;
    e[k] = alpha;
    for (let i = k + 1; i < n; i++) w[k * n + i] = v[i]; // keep v for the accumulation

    // p = beta * A' v over the trailing block, reading only its lower triangle row by row
    for (let i = k + 1; i < n; i++) p[i] = 0;
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      let pi = w[row + i] * vi;
      for (let j = k + 1; j < i; j++) {
        const aij = w[row + j];
        pi += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += pi;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i] *= beta;
      pv += p[i] * v[i];
    }
    const half = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i]; // p is now the rank-2 partner q
    // A' <- A' - v q^T - q v^T (lower triangle)
    for (let i = k + 1; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const qi = p[i];
      for (let j = k + 1; j <= i; j++) w[row + j] -= vi * p[j] + qi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = w[(n - 2) * n + (n - 2)];
    e[n - 2] = w[(n - 1) * n + (n - 2)];
  }
  d[n - 1] = w[(n - 1) * n + (n - 1)];
  e[n - 1] = 0;

  if (!wantVectors) return { d, e, q: null };
  // Q = H_0 H_1 ... H_{n-3}, accumulated backwards (Q <- H_k Q) on the trailing block, row by row
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const r = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const vk = k * n;
    r.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const vi = w[vk + i];
      if (vi === 0) continue;
      const row = i * n;
      for (let j = k + 1; j < n; j++) r[j] += vi * q[row + j];
    }
    for (let i = k + 1; i < n; i++) {
      const f = beta * w[vk + i];
      if (f === 0) continue;
      const row = i * n;
      for (let j = k + 1; j < n; j++) q[row + j] -= f * r[j];
    }
  }
  return { d, e, q };
}

/**
 * Implicit QL on the symmetric tridiagonal (d, e), in place: d becomes the eigenvalues (unsorted);
 * the columns of z (row-major) are rotated alongside, so they become the eigenvectors. Each sweep's
 * rotations are recorded and then applied row by row, so every entry of z is loaded and stored
 * once per sweep, reading contiguous memory.
 */
function implicitQL(d: Float64Array, e: Float64Array, z: Float64Array | null, n: number): void {
  const cosines = new Float64Array(n);
  const sines = new Float64Array(n);
  let shiftTotal = 0;
  let norm = 0;
  const maxIterations = 60;
  for (let l = 0; l < n; l++) {
    norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * norm) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > maxIterations) throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l}`);
        // shift from the leading 2x2 block
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        shiftTotal += h;

        p = d[m];
        let c = 1;
        let c2 = 1;
        let c3 = 1;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cosines[i] = c;
          sines[i] = s;
        }
        if (z !== null) applySweep(z, n, l, m, cosines, sines);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * norm);
    }
    d[l] += shiftTotal;
    e[l] = 0;
  }
}

/**
 * For each row of z, the rotations i = m-1 down to l on columns (i, i+1):
 * (z_i, z_{i+1}) <- (c_i z_i - s_i z_{i+1}, s_i z_i + c_i z_{i+1}), carrying the running z_{i+1}.
 */
function applySweep(z: Float64Array, n: number, l: number, m: number, cosines: Float64Array, sines: Float64Array): void {
  // four rows at a time: each row's carried value is a serial dependency chain, interleaving
  // independent chains keeps the floating-point units busy
  let k = 0;
  for (; k + 3 < n; k += 4) {
    const r0 = k * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let t0 = z[r0 + m];
    let t1 = z[r1 + m];
    let t2 = z[r2 + m];
    let t3 = z[r3 + m];
    for (let i = m - 1; i >= l; i--) {
      const c = cosines[i];
      const s = sines[i];
      const a0 = z[r0 + i];
      const a1 = z[r1 + i];
      const a2 = z[r2 + i];
      const a3 = z[r3 + i];
      z[r0 + i + 1] = s * a0 + c * t0;
      z[r1 + i + 1] = s * a1 + c * t1;
      z[r2 + i + 1] = s * a2 + c * t2;
      z[r3 + i + 1] = s * a3 + c * t3;
      t0 = c * a0 - s * t0;
      t1 = c * a1 - s * t1;
      t2 = c * a2 - s * t2;
      t3 = c * a3 - s * t3;
    }
    z[r0 + l] = t0;
    z[r1 + l] = t1;
    z[r2 + l] = t2;
    z[r3 + l] = t3;
  }
  for (; k < n; k++) {
    const row = k * n;
    let carried = z[row + m];
    for (let i = m - 1; i >= l; i--) {
      const zi = z[row + i];
      const c = cosines[i];
      const s = sines[i];
      z[row + i + 1] = s * zi + c * carried;
      carried = c * zi - s * carried;
    }
    z[row + l] = carried;
  }
}

function hypot(x: number, y: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const big = Math.max(ax, ay);
  if (big === 0) return 0;
  const small = Math.min(ax, ay) / big;
  return big * Math.sqrt(1 + small * small);
}

/** Q f(diag) Q^T x: a spectral function of the matrix applied to a vector */
export function applySpectralFunction(eig: SymmetricEigen, f: (value: number) => number, x: ArrayLike<number>): Float64Array {
  const q = requireVectors(eig);
  const n = eig.n;
  if (x.length !== n) throw new Error(`vector length ${x.length} does not match the ${n} x ${n} matrix`);
  // y = Q^T x, scaled by f, then Q y
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const row = i * n;
    for (let j = 0; j < n; j++) y[j] += q.data[row + j] * xi;
  }
  for (let j = 0; j < n; j++) y[j] *= f(eig.values[j]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) s += q.data[row + j] * y[j];
    out[i] = s;
  }
  return out;
}

/** Q f(diag) Q^T as a matrix */
export function spectralFunction(eig: SymmetricEigen, f: (value: number) => number): Matrix {
  const q = requireVectors(eig);
  const n = eig.n;
  const fv = Float64Array.from(eig.values, f);
  const out = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q.data[i * n + k] * fv[k] * q.data[j * n + k];
      out.data[i * n + j] = s;
      out.data[j * n + i] = s;
    }
  }
  return out;
}

function requireVectors(eig: SymmetricEigen): Matrix {
  if (eig.vectors === null) throw new Error('this needs eigenvectors: call symmetricEigen with { vectors: true }');
  return eig.vectors;
}
