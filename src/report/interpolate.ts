/**
 * Linear interpolation of one run's curve (xs increasing, ys finite) at the grid's points.
 * Points left of the first x are NaN; points right of the last x are NaN, or the last y when
 * `holdAfterEnd` (a diverged run keeps its last finite value, as in the tables).
 * Repeated xs (coarse clocks) keep the later value.
 */
export function interpolateOnto(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  grid: ArrayLike<number>,
  holdAfterEnd = false,
): Float64Array {
  if (xs.length !== ys.length) throw new Error(`interpolateOnto: ${xs.length} xs but ${ys.length} ys`);
  const out = new Float64Array(grid.length).fill(NaN);
  const n = xs.length;
  if (n === 0) return out;
  let j = 0; // xs[j] <= x < xs[j + 1] for the current grid point
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g];
    if (g > 0 && x < grid[g - 1]) throw new Error('interpolateOnto: the grid must be increasing');
    if (x < xs[0]) continue;
    if (x >= xs[n - 1]) {
      if (x === xs[n - 1] || holdAfterEnd) out[g] = ys[n - 1];
      continue;
    }
    while (j + 1 < n && xs[j + 1] <= x) j++;
    const x0 = xs[j];
    const x1 = xs[j + 1];
    out[g] = x1 === x0 ? ys[j + 1] : ys[j] + ((ys[j + 1] - ys[j]) * (x - x0)) / (x1 - x0);
  }
  return out;
}

/** `points` values from lo to hi (both included), evenly spaced in log(x); lo, hi > 0. */
export function logSpaced(lo: number, hi: number, points: number): Float64Array {
  if (!(lo > 0 && hi >= lo)) throw new Error(`logSpaced: need 0 < lo <= hi (got ${lo}, ${hi})`);
  if (points === 1 || lo === hi) return Float64Array.of(lo);
  const out = new Float64Array(points);
  const a = Math.log(lo);
  const b = Math.log(hi);
  for (let i = 0; i < points; i++) out[i] = Math.exp(a + ((b - a) * i) / (points - 1));
  out[0] = lo;
  out[points - 1] = hi;
  return out;
}

/**
 * A common grid for several runs on a log x axis: from the latest first positive x of any run (so
 * that every run has started) to the latest last x (so that the curve goes on to the end of the
 * longest run; past a run's end its median is that of the runs still going). The recorded xs
 * themselves when there are at most `points` of them in that range, otherwise `points` log-spaced
 * values. Empty when no run has a positive x.
 */
export function commonGrid(runs: readonly ArrayLike<number>[], points: number): Float64Array {
  if (!Number.isInteger(points) || points < 2) throw new Error(`commonGrid: points must be an integer >= 2 (got ${points})`);
  const withData = runs.filter((xs) => xs.length > 0);
  if (withData.length === 0) return new Float64Array(0);
  let lo = -Infinity;
  for (const xs of withData) {
    const first = firstPositive(xs);
    if (first === undefined) return new Float64Array(0);
    lo = Math.max(lo, first);
  }
  const hi = Math.max(...withData.map((xs) => xs[xs.length - 1]));
  if (!(hi >= lo)) return new Float64Array(0);
  const recorded = new Set<number>();
  for (const xs of withData) {
    for (let i = 0; i < xs.length && recorded.size <= points; i++) {
      if (xs[i] >= lo && xs[i] <= hi) recorded.add(xs[i]);
    }
  }
  if (recorded.size <= points) return Float64Array.from(recorded).sort();
  return logSpaced(lo, hi, points);
}

function firstPositive(xs: ArrayLike<number>): number | undefined {
  for (let i = 0; i < xs.length; i++) if (xs[i] > 0) return xs[i];
  return undefined;
}
