import type { Store } from '../store/store.js';
import { METRIC_KEYS, type RunRecord, type RunStatus } from '../store/types.js';
import { jobKey, type RunJob } from './job.js';

/** Per optimiser (label): how its runs ended and the medians over its completed runs. */
export interface OptimiserSummary {
  optimiser: string;
  runs: number;
  completed: number;
  diverged: number;
  /** failed, interrupted, still running elsewhere, or never started */
  unfinished: number;
  /** medians over completed runs; null when there is none */
  medianFinalTrainLoss: number | null;
  medianFinalValLoss: number | null;
  medianFinalTestLoss: number | null;
  medianFinalValAccuracy: number | null;
  medianFinalTestAccuracy: number | null;
  /** whole run, evaluation included */
  medianWallSeconds: number | null;
  /** the same without evaluation */
  medianTrainSeconds: number | null;
}

export function median(values: number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Summarises the runs of these jobs as the store has them now (earlier, skipped runs included). */
export async function summarise(store: Store, jobs: RunJob[]): Promise<OptimiserSummary[]> {
  const byLabel = new Map<string, (RunRecord | null)[]>();
  for (const job of jobs) {
    const list = byLabel.get(job.optimiser.label) ?? [];
    list.push(await store.findRun(jobKey(job)));
    byLabel.set(job.optimiser.label, list);
  }
  const out: OptimiserSummary[] = [];
  for (const [optimiser, runs] of byLabel) {
    const done = runs.filter((r): r is RunRecord => r?.status === 'completed');
    const count = (s: RunStatus) => runs.filter((r) => r?.status === s).length;
    const finals: Record<string, number[]> = {};
    for (const key of Object.values(METRIC_KEYS)) {
      finals[key] = await Promise.all(done.map(async (r) => (await store.finalAndLowest(r.id, key)).final?.value ?? NaN));
    }
    const final = (key: string) => median(finals[key]);
    out.push({
      optimiser,
      runs: runs.length,
      completed: done.length,
      diverged: count('diverged'),
      unfinished: runs.length - done.length - count('diverged'),
      medianFinalTrainLoss: final(METRIC_KEYS.trainLoss),
      medianFinalValLoss: final(METRIC_KEYS.valLoss),
      medianFinalTestLoss: final(METRIC_KEYS.testLoss),
      medianFinalValAccuracy: final(METRIC_KEYS.valAccuracy),
      medianFinalTestAccuracy: final(METRIC_KEYS.testAccuracy),
      medianWallSeconds: median(done.map((r) => r.wallSeconds ?? NaN)),
      medianTrainSeconds: median(done.map((r) => (r.wallSeconds ?? NaN) - (r.evalSeconds ?? NaN))),
    });
  }
  return out;
}

/** A fixed-width table of the summaries. */
export function formatSummary(rows: OptimiserSummary[]): string {
  const num = (x: number | null, digits = 4) => (x === null ? '-' : x.toPrecision(digits));
  const secs = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} s`);
  const classifier = rows.some((r) => r.medianFinalTestAccuracy !== null);
  const header = ['optimiser', 'runs', 'completed', 'diverged', 'unfinished', 'train loss', 'val loss', 'test loss'];
  if (classifier) header.push('test acc');
  header.push('run time', 'excl. eval');
  const body = rows.map((r) => {
    const cells = [
      r.optimiser, String(r.runs), String(r.completed), String(r.diverged), String(r.unfinished),
      num(r.medianFinalTrainLoss), num(r.medianFinalValLoss), num(r.medianFinalTestLoss),
    ];
    if (classifier) cells.push(num(r.medianFinalTestAccuracy));
    cells.push(secs(r.medianWallSeconds), secs(r.medianTrainSeconds));
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return ['medians over completed runs (final = last step):', line(header), ...body.map(line)].join('\n');
}
