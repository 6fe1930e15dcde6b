/**
 * Small dense float64 matrices, row-major: entry (i, j) of an r x c matrix is data[i * c + j].
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  checkShape(rows, cols);
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** wraps existing row-major data (not copied) */
export function fromData(rows: number, cols: number, data: Float64Array): Matrix {
  checkShape(rows, cols);
  if (data.length !== rows * cols) throw new Error(`a ${rows} x ${cols} matrix needs ${rows * cols} entries, got ${data.length}`);
  return { rows, cols, data };
}

export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const m = zeros(r, c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new Error(`row ${i} has ${row.length} entries, expected ${c}`);
    m.data.set(row, i * c);
  });
  return m;
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function diagonal(values: ArrayLike<number>): Matrix {
  const n = values.length;
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = values[i];
  return m;
}

export function transpose(m: Matrix): Matrix {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j];
  return t;
}

/** a b (i-k-j loop order: rows of b and of the result are read contiguously) */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`cannot multiply ${a.rows} x ${a.cols} by ${b.rows} x ${b.cols}`);
  const out = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const row = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bRow = k * n;
      for (let j = 0; j < n; j++) out.data[row + j] += aik * b.data[bRow + j];
    }
  }
  return out;
}

/** a x */
export function matvec(a: Matrix, x: ArrayLike<number>): Float64Array {
  if (x.length !== a.cols) throw new Error(`cannot multiply ${a.rows} x ${a.cols} matrix by a vector of length ${x.length}`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    const row = i * a.cols;
    for (let j = 0; j < a.cols; j++) s += a.data[row + j] * x[j];
    out[i] = s;
  }
  return out;
}

/** (a + a^T) / 2 */
export function symmetrize(a: Matrix): Matrix {
  checkSquare(a);
  const n = a.rows;
  const out = zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.data[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
  return out;
}

export function isSymmetric(a: Matrix, tolerance = 0): boolean {
  if (a.rows !== a.cols) return false;
  const n = a.rows;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) if (Math.abs(a.data[i * n + j] - a.data[j * n + i]) > tolerance) return false;
  return true;
}

export function frobeniusNorm(a: Matrix): number {
  let s = 0;
  for (const x of a.data) s += x * x;
  return Math.sqrt(s);
}

/** largest |a_ij - b_ij| */
export function maxAbsDifference(a: Matrix, b: Matrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`shapes differ: ${a.rows} x ${a.cols} vs ${b.rows} x ${b.cols}`);
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
  return d;
}

export function checkSquare(a: Matrix): void {
  if (a.rows !== a.cols) throw new Error(`expected a square matrix, got ${a.rows} x ${a.cols}`);
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`matrix shape must be non-negative integers, got ${rows} x ${cols}`);
  }
}
