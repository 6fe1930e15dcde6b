/**
 * Implicit QL with Wilkinson-type shifts on a symmetric tridiagonal matrix (EISPACK tql2), which
 * records its plane rotations instead of applying them to an eigenvector matrix: T = G diag(d) G^T,
 * with G the product of the recorded rotations, so G^T x and G x cost O(rotations) each.
 */

/** The rotations of every QL sweep, in the order they were made. */
export interface RotationLog {
  /** sweep s rotates coordinates l..m: sweepBounds[2s] = l, sweepBounds[2s + 1] = m */
  readonly sweepBounds: Int32Array;
  readonly sweeps: number;
  /** sweep s's rotations for i = m-1 down to l, consecutively; rotation i acts on (i, i+1) */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly rotations: number;
}

const EPS = Number.EPSILON;
const MAX_ITERATIONS = 60;

/**
 * In place: d (diagonal, length n) becomes the eigenvalues (unsorted), e (e[i] couples i and i+1,
 * e[n-1] ignored) is destroyed. Entries should be of order one (the caller scales the matrix), so
 * sqrt(p^2 + e^2) neither overflows nor, except in rare tiny blocks that are handled, underflows.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, n: number): RotationLog {
  let bounds = new Int32Array(Math.max(16, 4 * n));
  // a sweep per eigenvalue and a half on average, of about half the rows: about n^2 rotations
  let cos = new Float64Array(Math.max(16, n * n));
  let sin = new Float64Array(cos.length);
  let sweeps = 0;
  let count = 0;
  e[n - 1] = 0;
  let shiftTotal = 0;
  let norm = 0;
  for (let l = 0; l < n; l++) {
    norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * norm) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_ITERATIONS) throw new Error(`symmetricSpectrum: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        // room for this sweep's m - l rotations
        if (count + (m - l) > cos.length) {
          const bigger = Math.max(2 * cos.length, count + (m - l));
          cos = grow(cos, bigger);
          sin = grow(sin, bigger);
        }
        if (2 * sweeps + 2 > bounds.length) {
          const b = new Int32Array(2 * bounds.length);
          b.set(bounds);
          bounds = b;
        }
        bounds[2 * sweeps] = l;
        bounds[2 * sweeps + 1] = m;
        sweeps++;
        // shift from the leading 2x2 block
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = radius(p, 1);
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
          const ei = e[i];
          g = c * ei;
          h = c * p;
          r = radius(p, ei);
          e[i + 1] = s * r;
          const inv = 1 / r;
          s = ei * inv;
          c = p * inv;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          cos[count] = c;
          sin[count] = s;
          count++;
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * norm);
    }
    d[l] += shiftTotal;
    e[l] = 0;
  }
  return { sweepBounds: bounds.subarray(0, 2 * sweeps), sweeps, cos: cos.subarray(0, count), sin: sin.subarray(0, count), rotations: count };
}

/** sqrt(x^2 + y^2): the plain formula (no Math.hypot, which is slow), rescaled only where it underflows */
function radius(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  if (r > 1e-150) return r; // also false for NaN, which then takes the careful path and stays NaN
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const big = Math.max(ax, ay);
  if (big === 0) return 0;
  const small = Math.min(ax, ay) / big;
  return big * Math.sqrt(1 + small * small);
}

function grow(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}

/**
 * x <- G^T x in place (G the product of the logged rotations): each sweep in order, its rotations
 * i = m-1 down to l: (x_i, x_{i+1}) <- (c x_i - s x_{i+1}, s x_i + c x_{i+1}).
 */
export function applyRotationsTransposed(log: RotationLog, x: Float64Array): void {
  const { sweepBounds, cos, sin } = log;
  let k = 0;
  for (let sweep = 0; sweep < log.sweeps; sweep++) {
    const l = sweepBounds[2 * sweep];
    const m = sweepBounds[2 * sweep + 1];
    let carried = x[m];
    for (let i = m - 1; i >= l; i--) {
      const xi = x[i];
      const c = cos[k];
      const s = sin[k];
      k++;
      x[i + 1] = s * xi + c * carried;
      carried = c * xi - s * carried;
    }
    x[l] = carried;
  }
}

/** x <- G x in place: the inverse of applyRotationsTransposed, undone rotation by rotation */
export function applyRotations(log: RotationLog, x: Float64Array): void {
  const { sweepBounds, cos, sin } = log;
  let k = log.rotations;
  for (let sweep = log.sweeps - 1; sweep >= 0; sweep--) {
    const l = sweepBounds[2 * sweep];
    const m = sweepBounds[2 * sweep + 1];
    k -= m - l;
    // this sweep's rotations are stored at k.. for i = m-1 down to l; undo them for i = l up to m-1
    let carried = x[l];
    for (let i = l; i < m; i++) {
      const j = k + (m - 1 - i);
      const c = cos[j];
      const s = sin[j];
      const next = x[i + 1];
      x[i] = c * carried + s * next;
      carried = c * next - s * carried;
    }
    x[m] = carried;
  }
}
