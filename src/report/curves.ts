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
  /** runs that entered (those with at least one finite value) */
  runs: number;
}

/**
 * The median curve of several runs against steps or time: each run interpolated onto a common
 * log-spaced grid (commonGrid), then the bootstrap median at every point.
 */
export function medianCurve(
  series: readonly RunSeries[],
  axis: CurveAxis,
  options: { points: number; resamples: number; rng: Rng },
): MedianCurve {
  const used = series.filter((s) => s.value.length > 0);
  const xsOf = (s: RunSeries) => s[axis];
  const grid = commonGrid(
    used.map((s) => ({ xs: xsOf(s), holdAfterEnd: s.diverged })),
    options.points,
  );
  const curves = used.map((s) => interpolateOnto(xsOf(s), s.value, grid, s.diverged));
  const { estimate, error } = bootstrapMedianCurve(curves, options.resamples, options.rng);
  return { x: grid, estimate, error, runs: used.length };
}
