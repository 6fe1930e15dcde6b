import type { Rng } from '../util/random.js';
import { meanAndSd, median, quantileSorted } from './median.js';

/** The paper's default number of bootstrap resamples (REFERENCE.md, "Tuning as run"). */
export const DEFAULT_RESAMPLES = 100;

export interface BootstrapEstimate {
  /** mean of the resampled medians: the reported value */
  estimate: number;
  /** standard deviation of the resampled medians (population, divides by resamples): the reported error */
  error: number;
  /** plain median of the values, without resampling */
  median: number;
  /** how many values entered */
  n: number;
}

/**
 * Bootstrap of the median over runs, as the paper reports it: draw `values.length` runs with
 * replacement `resamples` times, take each draw's median, report their mean and spread.
 * Draw order: resample by resample, index by index, each index `rng.int(n)`.
 */
export function bootstrapMedian(values: readonly number[], resamples: number, rng: Rng): BootstrapEstimate {
  checkResamples(resamples);
  const n = values.length;
  if (n === 0) return { estimate: NaN, error: NaN, median: NaN, n: 0 };
  const medians = new Float64Array(resamples);
  const draw = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) draw[i] = values[rng.int(n)];
    medians[b] = median(draw);
  }
  const { mean, sd } = meanAndSd(medians);
  return { estimate: mean, error: sd, median: median(values), n };
}

/**
 * The band drawn around a median curve: this central interval of the resampled medians (their
 * 16th and 84th percentiles, the percentile counterpart of ± one standard deviation). Medians of
 * positive losses are positive, so the band stays positive on a log axis, unlike estimate ± sd.
 */
export const CURVE_BAND = { lower: 0.16, upper: 0.84, description: '16th–84th percentile of the resampled medians' } as const;

export interface BootstrapCurve {
  /** per grid point: mean of the resampled medians */
  estimate: Float64Array;
  /** per grid point: standard deviation of the resampled medians */
  error: Float64Array;
  /** per grid point: the CURVE_BAND percentiles of the resampled medians */
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * Bootstrap of per-point medians of several runs' curves on one grid. Each resample draws whole
 * runs (the same draw for every grid point), so a resampled median curve is a curve of one set of
 * runs. `curves[r][g]` is run r's value at grid point g, NaN where the run has none (it ended
 * before g): a resample's median at g is over the drawn runs that have a value there, and a
 * resample that drew none of them is left out at g. Every curve has the grid's length.
 */
export function bootstrapMedianCurve(curves: readonly Float64Array[], resamples: number, rng: Rng): BootstrapCurve {
  checkResamples(resamples);
  const n = curves.length;
  const points = n === 0 ? 0 : curves[0].length;
  for (const c of curves) {
    if (c.length !== points) throw new Error(`bootstrapMedianCurve: curves of different lengths (${points} and ${c.length})`);
  }
  const out = (): Float64Array => new Float64Array(points).fill(NaN);
  const [estimate, error, lower, upper] = [out(), out(), out(), out()];
  if (n === 0) return { estimate, error, lower, upper };
  const draws = new Int32Array(resamples * n);
  for (let k = 0; k < draws.length; k++) draws[k] = rng.int(n);
  const column = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let g = 0; g < points; g++) {
    let kept = 0;
    for (let b = 0; b < resamples; b++) {
      let m = 0;
      for (let i = 0; i < n; i++) {
        const v = curves[draws[b * n + i]][g];
        if (!Number.isNaN(v)) column[m++] = v;
      }
      if (m > 0) medians[kept++] = median(column.subarray(0, m));
    }
    if (kept === 0) continue;
    const used = medians.subarray(0, kept);
    const { mean, sd } = meanAndSd(used);
    estimate[g] = mean;
    error[g] = sd;
    const sorted = Float64Array.from(used).sort();
    lower[g] = quantileSorted(sorted, CURVE_BAND.lower);
    upper[g] = quantileSorted(sorted, CURVE_BAND.upper);
  }
  return { estimate, error, lower, upper };
}

function checkResamples(resamples: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`bootstrap: resamples must be a positive integer (got ${resamples})`);
  }
}
