/**
 * Solves A x = b for a small dense n x n matrix (row-major) by Gaussian elimination with partial
 * pivoting, in float64. Returns null when A is singular to working precision (a zero pivot, a pivot
 * below n * eps * max|A|, or a non-finite result), so callers can choose their own fallback.
 * A and b are not modified.
 */
export function solveLinearSystem(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array | null {
  if (!Number.isInteger(n) || n < 0) throw new Error(`matrix size must be an integer >= 0, got ${n}`);
  if (a.length !== n * n) throw new Error(`matrix must have n*n = ${n * n} entries, got ${a.length}`);
  if (b.length !== n) throw new Error(`right-hand side must have n = ${n} entries, got ${b.length}`);
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < m.length; i++) scale = Math.max(scale, Math.abs(m[i]));
  if (!Number.isFinite(scale)) return null;
  const tiny = n * Number.EPSILON * scale;
  for (let col = 0; col < n; col++) {
    let pivotRow = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivotRow * n + col])) pivotRow = r;
    const pivot = m[pivotRow * n + col];
    if (pivot === 0 || Math.abs(pivot) <= tiny) return null;
    if (pivotRow !== col) {
      for (let c = 0; c < n; c++) {
        const t = m[col * n + c];
        m[col * n + c] = m[pivotRow * n + c];
        m[pivotRow * n + c] = t;
      }
      const t = x[col];
      x[col] = x[pivotRow];
      x[pivotRow] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const factor = m[r * n + col] / pivot;
      if (factor === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c] -= factor * m[col * n + c];
      x[r] -= factor * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < n; c++) s -= m[r * n + c] * x[c];
    x[r] = s / m[r * n + r];
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return null;
  return x;
}
