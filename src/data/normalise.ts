/**
 * Standardisation as the reference does it: mean and *unbiased* standard deviation (n - 1, the
 * torch default) over the rows of a pool, a zero standard deviation replaced by 1. Statistics are
 * accumulated in float64 and the result is stored in float32.
 */

/** Per-column mean and unbiased std of rows [rowStart, rowEnd) of a row-major table with `cols` columns. */
export function columnStats(
  data: ArrayLike<number>,
  cols: number,
  rowStart: number,
  rowEnd: number,
): { mean: Float64Array; std: Float64Array } {
  const n = rowEnd - rowStart;
  if (n < 2) throw new Error(`standardisation needs at least 2 rows, got ${n}`);
  const mean = new Float64Array(cols);
  for (let r = rowStart; r < rowEnd; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[base + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= n;
  const std = new Float64Array(cols);
  for (let r = rowStart; r < rowEnd; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[base + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt(std[j] / (n - 1));
    std[j] = s === 0 ? 1 : s;
  }
  return { mean, std };
}

/**
 * Rows [rowStart, rowEnd) of `data`, each value v of column j mapped to (v * scale - mean[k]) / std[k]
 * with k = j mod mean.length: one statistic per column, or per channel when the rows are
 * channels-last images and mean.length is the channel count.
 */
export function standardiseRows(
  data: ArrayLike<number>,
  cols: number,
  rowStart: number,
  rowEnd: number,
  mean: ArrayLike<number>,
  std: ArrayLike<number>,
  scale = 1,
): Float32Array {
  const k = mean.length;
  if (std.length !== k || cols % k !== 0) throw new Error(`standardiseRows: ${k} statistics do not divide ${cols} columns`);
  const out = new Float32Array((rowEnd - rowStart) * cols);
  let o = 0;
  for (let r = rowStart; r < rowEnd; r++) {
    const base = r * cols;
    for (let j = 0, s = 0; j < cols; j++, s = s + 1 === k ? 0 : s + 1) {
      out[o++] = (data[base + j] * scale - mean[s]) / std[s];
    }
  }
  return out;
}
