/** Whitespace-separated numeric text (UCI data.txt, permutation_indices.txt). */

export interface NumericTable {
  rows: number;
  cols: number;
  /** row-major values */
  data: Float64Array;
}

/** Parses one row per non-empty line; every row must have the same number of columns (`cols` if given). */
export function parseNumericTable(text: string, label: string, cols?: number): NumericTable {
  const values: number[] = [];
  let width = cols;
  let rows = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(/[\s,]+/);
    if (width === undefined) width = fields.length;
    if (fields.length !== width) {
      throw new Error(`${label} line ${i + 1}: ${fields.length} columns, expected ${width}`);
    }
    for (const f of fields) {
      const v = Number(f);
      if (!Number.isFinite(v)) throw new Error(`${label} line ${i + 1}: "${f}" is not a finite number`);
      values.push(v);
    }
    rows++;
  }
  if (rows === 0 || width === undefined) throw new Error(`${label}: no data rows`);
  return { rows, cols: width, data: Float64Array.from(values) };
}

/** Parses a list of 0-based row indices, one per line, and checks it is a permutation of 0..n-1. */
export function parsePermutation(text: string, label: string, n: number): Int32Array {
  const table = parseNumericTable(text, label, 1);
  if (table.rows !== n) throw new Error(`${label}: ${table.rows} indices, expected ${n} (one per row of the data)`);
  const seen = new Uint8Array(n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = table.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`${label}: entry ${i + 1} is ${v}, not an index in 0..${n - 1}`);
    if (seen[v]) throw new Error(`${label}: index ${v} appears twice, so this is not a permutation`);
    seen[v] = 1;
    out[i] = v;
  }
  return out;
}
