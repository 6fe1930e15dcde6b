import type { RunStatus, Store } from '../store/index.js';
import { Rng } from '../util/random.js';
import { bootstrapMedian, type BootstrapEstimate } from './bootstrap.js';
import { medianCurve, type CurveAxis, type MedianCurve } from './curves.js';
import { derivedSeed } from './derived-seed.js';
import { LOSSES, PLOTTED_LOSSES, type LossId } from './losses.js';
import { finalValue, loadSeries, lowestFinite } from './run-series.js';
import type { RunGroup } from './select-runs.js';

export interface RunValues {
  runId: number;
  seed: number;
  status: RunStatus;
  /** last finite value; null when the run has none */
  final: number | null;
  /** smallest finite value; null when the run has none */
  lowest: number | null;
}

export interface LossStats {
  final: BootstrapEstimate;
  lowest: BootstrapEstimate;
  /** runs of the group without any finite value of this loss (left out of its medians) */
  missing: number;
  perRun: RunValues[];
}

export interface GroupStats {
  group: RunGroup;
  runs: number;
  byStatus: Partial<Record<RunStatus, number>>;
  losses: Record<LossId, LossStats>;
  /** median curves of the plotted losses, when asked for: curves[loss][axis] */
  curves?: Partial<Record<LossId, Partial<Record<CurveAxis, MedianCurve>>>>;
}

export interface StatsOptions {
  resamples: number;
  seed: number;
  /** compute curves for these axes (none: tables only) */
  curveAxes?: readonly CurveAxis[];
  /** points of a curve's grid */
  curvePoints?: number;
}

/**
 * Everything the tables and plots need of one group, reading one loss at a time so that only one
 * loss's series are in memory. Each statistic has its own seed (derivedSeed), so a number does not
 * change when filters add or remove other groups.
 */
export async function groupStats(store: Store, group: RunGroup, options: StatsOptions): Promise<GroupStats> {
  const byStatus: Partial<Record<RunStatus, number>> = {};
  for (const r of group.runs) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const losses = {} as Record<LossId, LossStats>;
  const curves: NonNullable<GroupStats['curves']> = {};
  const seedOf = (...parts: string[]) => new Rng(derivedSeed(options.seed, group.experiment, group.label, ...parts));
  for (const loss of LOSSES) {
    const series = await loadSeries(store, group.runs, loss.key);
    const perRun: RunValues[] = group.runs.map((r, i) => ({
      runId: r.id,
      seed: r.seed,
      status: r.status,
      final: finalValue(series[i]) ?? null,
      lowest: lowestFinite(series[i]) ?? null,
    }));
    const finals = perRun.flatMap((v) => (v.final === null ? [] : [v.final]));
    const lowests = perRun.flatMap((v) => (v.lowest === null ? [] : [v.lowest]));
    losses[loss.id] = {
      final: bootstrapMedian(finals, options.resamples, seedOf(loss.id, 'final')),
      lowest: bootstrapMedian(lowests, options.resamples, seedOf(loss.id, 'lowest')),
      missing: group.runs.length - finals.length,
      perRun,
    };
    if (options.curveAxes?.length && PLOTTED_LOSSES.includes(loss.id)) {
      const byAxis: Partial<Record<CurveAxis, MedianCurve>> = {};
      for (const axis of options.curveAxes) {
        byAxis[axis] = medianCurve(series, axis, {
          points: options.curvePoints ?? 200,
          resamples: options.resamples,
          rng: seedOf(loss.id, 'curve', axis),
        });
      }
      curves[loss.id] = byAxis;
    }
  }
  return {
    group,
    runs: group.runs.length,
    byStatus,
    losses,
    ...(options.curveAxes?.length ? { curves } : {}),
  };
}
