import type { Rng } from '../util/random.js';
import { bootstrapMedianCurve } from './bootstrap.js';
import { commonGrid, interpolateOnto } from './interpolate.js';
import type { RunSeries } from './run-series.js';

/** What a curve's x is: the step, or seconds with (wall) or without (compute) evaluation time. */
export type CurveAxis = 'step' | 'wall' | 'compute';

export interface MedianCurve {
  x: Float64Array;
  /** bootstrap mean of the per-point median */
  estimate: Float64Array;
  /** bootstrap standard deviation of the per-point median */
  error: Float64Array;
  /** the band: CURVE_BAND percentiles of the resampled medians (positive for positive losses) */
  lower: Float64Array;
  upper: Float64Array;
  /** where runs end before the curve does (sorted x): after each, the median is over fewer runs */
  ends: Float64Array;
  /** runs that entered (those with at least one finite value) */
  runs: number;
}

/**
 * The median curve of several runs against steps or time: each run interpolated onto a common
 * log-spaced grid (commonGrid) that reaches the end of the longest run, then the bootstrap median
 * at every point over the runs that have a value there. A diverged run holds its last finite value
 * to the end (policy.ts); any other run that ends before the longest one leaves the median there,
 * and its end is recorded in `ends`.
 */
export function medianCurve(
  series: readonly RunSeries[],
  axis: CurveAxis,
  options: { points: number; resamples: number; rng: Rng },
): MedianCurve {
  const used = series.filter((s) => s.value.length > 0);
  const xsOf = (s: RunSeries) => s[axis];
  const grid = commonGrid(used.map(xsOf), options.points);
  const curves = used.map((s) => interpolateOnto(xsOf(s), s.value, grid, s.diverged));
  const { estimate, error, lower, upper } = bootstrapMedianCurve(curves, options.resamples, options.rng);
  const last = grid.length ? grid[grid.length - 1] : -Infinity;
  const ends = Float64Array.from(
    used.filter((s) => !s.diverged).map((s) => xsOf(s)[xsOf(s).length - 1]).filter((x) => x >= grid[0] && x < last),
  ).sort();
  return { x: grid, estimate, error, lower, upper, ends, runs: used.length };
}
