import type { MetricPoint, RunRecord, Store } from '../store/index.js';

/** One run's finite values of one metric, in step order, in compact arrays. */
export interface RunSeries {
  runId: number;
  /** the run ended by diverging (its later values were not finite) */
  diverged: boolean;
  step: Float64Array;
  /** seconds since the run started, evaluation included */
  wall: Float64Array;
  /** seconds since the run started, evaluation excluded */
  compute: Float64Array;
  value: Float64Array;
  /** recorded points that were not finite (NaN or infinite), left out of the arrays above */
  nonFinite: number;
  /** the value recorded at the run's last step was not finite */
  endsNonFinite: boolean;
}

/**
 * The metric `key` of each run, non-finite values dropped: a loss that is not finite marks
 * divergence, not a value to take a median of (see policy.ts).
 */
export async function loadSeries(store: Store, runs: readonly RunRecord[], key: string): Promise<RunSeries[]> {
  const byRun = await store.metricSeriesForRuns(
    runs.map((r) => r.id),
    key,
  );
  return runs.map((r) => toSeries(r, byRun.get(r.id) ?? []));
}

export function toSeries(run: Pick<RunRecord, 'id' | 'status'>, points: readonly MetricPoint[]): RunSeries {
  const finite = points.filter((p) => Number.isFinite(p.value));
  return {
    runId: run.id,
    diverged: run.status === 'diverged',
    step: Float64Array.from(finite, (p) => p.step),
    wall: Float64Array.from(finite, (p) => p.wallTime),
    compute: Float64Array.from(finite, (p) => p.wallTimeExclEval),
    value: Float64Array.from(finite, (p) => p.value),
    nonFinite: points.length - finite.length,
    endsNonFinite: points.length > 0 && !Number.isFinite(points[points.length - 1].value),
  };
}

/**
 * A run's final value (policy.ts): a diverged run's last finite value, any other run's value at its
 * last step; undefined when there is none (no finite value, or a non-diverged run ending non-finite,
 * e.g. an evaluation that overflowed: not replaced by an earlier value).
 */
export function finalValue(s: RunSeries): number | undefined {
  if (!s.value.length || (s.endsNonFinite && !s.diverged)) return undefined;
  return s.value[s.value.length - 1];
}

/** The smallest finite value; undefined if none. */
export function lowestFinite(s: RunSeries): number | undefined {
  if (!s.value.length) return undefined;
  let low = Infinity;
  for (const v of s.value) low = Math.min(low, v);
  return low;
}
