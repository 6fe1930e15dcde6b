import type { RankTwoKernel } from './rank-two-kernel.js';

/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A / scale = Q T Q^T with
 * Q = H_0 H_1 ... H_{n-3}, H_k = I - beta_k v_k v_k^T (v_k zero in entries 0..k). The Householder
 * vectors are kept (packed) so that Q x and Q^T x cost O(n^2) without forming Q.
 */
export interface Tridiagonal {
  readonly n: number;
  /** the input was divided by this (its largest |entry|, or 1 for a zero matrix) */
  readonly scale: number;
  /** diagonal of T */
  readonly d: Float64Array;
  /** e[i] couples i and i+1; e[n-1] = 0 */
  readonly e: Float64Array;
  /** v_k's entries k+1..n-1, for k = 0..n-3, one after another */
  readonly reflectors: Float64Array;
  readonly betas: Float64Array;
}

/**
 * The reduction, one Householder step per column. The trailing block's rank-2 update of step k
 * and the symmetric matrix-vector product of step k+1 are fused into one pass over the lower
 * triangle (the kernel's job; column k+1 is updated first, so that v_{k+1} is known before the
 * pass), halving the memory traffic of the textbook two-pass version.
 *
 * `a` is row-major n x n and read as (A + A^T) / 2; every entry must be finite.
 */
export function tridiagonalise(a: Float64Array, n: number, kernel: RankTwoKernel): Tridiagonal {
  // workspace: the matrix (lower triangle; row k's upper part holds v_k), then q, p, p', zeros
  const mem = kernel.workspace(n * n + 4 * n);
  const A = 0;
  const Q = n * n;
  let P = Q + n;
  let P2 = P + n;
  const ZERO = P2 + n;
  const scale = loadSymmetric(a, n, mem);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(Math.max(0, n - 2));
  if (n <= 2) {
    d[0] = mem[0];
    if (n === 2) {
      e[0] = mem[n];
      d[1] = mem[n + 1];
    }
    return { n, scale, d, e, reflectors: new Float64Array(0), betas };
  }

  d[0] = mem[0];
  betas[0] = householder(mem, n, 0, e);
  mem.fill(0, P, P + n);
  mem.fill(0, ZERO, ZERO + n);
  kernel.fused(n, 1, A, ZERO, ZERO, 0, P); // p = A v_0 (nothing to update yet)
  for (let k = 0; k < n - 2; k++) {
    const v = A + k * n; // v_k lives in row k's upper part
    const beta = betas[k];
    // q = p - (beta p.v / 2) v, with p = beta A v: A - v q^T - q v^T = H A H on the trailing block
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      mem[P + i] *= beta;
      pv += mem[P + i] * mem[v + i];
    }
    const half = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) mem[Q + i] = mem[P + i] - half * mem[v + i];
    // column k+1 first: it gives v_{k+1}
    const c = k + 1;
    const vc = mem[v + c];
    const qc = mem[Q + c];
    for (let i = c; i < n; i++) mem[A + i * n + c] -= mem[v + i] * qc + mem[Q + i] * vc;
    d[c] = mem[A + c * n + c];
    if (c < n - 2) {
      betas[c] = householder(mem, n, c, e);
      mem.fill(0, P2 + c + 1, P2 + n);
      // rest of the trailing block, rows and columns c+1..n-1: rank-2 update, then p' = A v_{k+1}
      kernel.fused(n, c + 1, A, v, Q, A + c * n, P2);
      const t = P;
      P = P2;
      P2 = t;
    } else {
      // c = n-2: only the last diagonal entry is left
      const last = A + (n - 1) * n + (n - 1);
      mem[last] -= 2 * mem[v + n - 1] * mem[Q + n - 1];
      e[n - 2] = mem[A + (n - 1) * n + (n - 2)];
      d[n - 1] = mem[last];
    }
  }
  e[n - 1] = 0;
  return { n, scale, d, e, reflectors: packReflectors(mem, n), betas };
}

/** (A + A^T) / 2 divided by its largest |entry| into the workspace's lower triangle; returns that divisor */
function loadSymmetric(a: Float64Array, n: number, mem: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) {
      const x = 0.5 * a[row + j] + 0.5 * a[j * n + i]; // (halves first: no overflow)
      mem[row + j] = x;
      const ax = Math.abs(x);
      if (ax > largest) largest = ax;
    }
  }
  const scale = largest > 0 ? largest : 1;
  const inv = 1 / scale;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j <= i; j++) mem[row + j] *= inv;
  }
  return scale;
}

/**
 * The reflector of step k from column k below the diagonal (rows k+1..n-1): written into row k's
 * upper part, e[k] set to the new subdiagonal entry; returns beta (0 for a zero column).
 */
function householder(mem: Float64Array, n: number, k: number, e: Float64Array): number {
  let largest = 0;
  for (let i = k + 1; i < n; i++) largest = Math.max(largest, Math.abs(mem[i * n + k]));
  const v = k * n;
  if (largest === 0) {
    mem.fill(0, v + k + 1, v + n);
    e[k] = 0;
    return 0;
  }
  let sum = 0;
  for (let i = k + 1; i < n; i++) {
    const x = mem[i * n + k];
    mem[v + i] = x;
    const t = x / largest;
    sum += t * t;
  }
  const sigma = largest * Math.sqrt(sum);
  const x0 = mem[v + k + 1];
  const alpha = x0 >= 0 ? -sigma : sigma; // no cancellation in x0 - alpha
  mem[v + k + 1] = x0 - alpha;
  e[k] = alpha;
  return 1 / (sigma * (sigma + Math.abs(x0))); // 2 / (v.v)
}

function packReflectors(mem: Float64Array, n: number): Float64Array {
  const out = new Float64Array(((n - 2) * (n + 1)) / 2);
  let offset = 0;
  for (let k = 0; k < n - 2; k++) {
    out.set(mem.subarray(k * n + k + 1, k * n + n), offset);
    offset += n - k - 1;
  }
  return out;
}

/** x <- Q^T x in place: H_0 first */
export function applyQTransposed(t: Tridiagonal, x: Float64Array): void {
  const { n, reflectors, betas } = t;
  let offset = 0;
  for (let k = 0; k < n - 2; k++) {
    reflect(reflectors, offset, betas[k], x, k + 1, n);
    offset += n - k - 1;
  }
}

/** x <- Q x in place: H_{n-3} first */
export function applyQ(t: Tridiagonal, x: Float64Array): void {
  const { n, reflectors, betas } = t;
  let offset = reflectors.length;
  for (let k = n - 3; k >= 0; k--) {
    offset -= n - k - 1;
    reflect(reflectors, offset, betas[k], x, k + 1, n);
  }
}

/** x[from..n) <- (I - beta v v^T) x[from..n), v = r[offset..] */
function reflect(r: Float64Array, offset: number, beta: number, x: Float64Array, from: number, n: number): void {
  if (beta === 0) return;
  const shift = offset - from;
  let dot = 0;
  for (let i = from; i < n; i++) dot += r[shift + i] * x[i];
  const t = beta * dot;
  for (let i = from; i < n; i++) x[i] -= t * r[shift + i];
}
