import type { RunStatus, Store } from '../store/index.js';
import { DEFAULT_RESAMPLES } from './bootstrap.js';
import type { CurveAxis } from './curves.js';
import { groupStats, type GroupStats } from './group-stats.js';
import { rankings, type Ranking } from './ranking.js';
import { DEFAULT_STATUSES, selectRuns, type RunSelection } from './select-runs.js';
import { table5Rows, type Table5Row } from './table5.js';

/** Which clock the per-time curves use: wall (evaluation included, as the paper) or compute (excluded). */
export type TimeClock = 'wall' | 'compute';

export interface ReportOptions extends RunSelection {
  resamples?: number;
  seed?: number;
  time?: TimeClock;
  /** also compute the median curves (for plots) */
  curves?: boolean;
  curvePoints?: number;
  /** add the paper's Table 5 values */
  paper?: boolean;
}

export interface Report {
  db: string;
  generatedAt: string;
  statuses: readonly RunStatus[];
  excluded: Partial<Record<RunStatus, number>>;
  resamples: number;
  seed: number;
  time: TimeClock;
  paper: boolean;
  stats: GroupStats[];
  table: Table5Row[];
  rankings: Ranking[];
}

export const DEFAULT_CURVE_POINTS = 200;

/** Reads the selected runs and computes every statistic the tables and plots show. */
export async function buildReport(store: Store, options: ReportOptions = {}): Promise<Report> {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 0;
  const time = options.time ?? 'wall';
  const statuses = options.statuses ?? DEFAULT_STATUSES;
  const { groups, excluded } = await selectRuns(store, { ...options, statuses });
  const curveAxes: CurveAxis[] = options.curves ? ['step', time] : [];
  const stats: GroupStats[] = [];
  // one group at a time: only one group's series are in memory
  for (const g of groups) stats.push(await groupStats(store, g, { resamples, seed, curveAxes, curvePoints: options.curvePoints ?? DEFAULT_CURVE_POINTS }));
  return {
    db: store.location,
    generatedAt: new Date().toISOString(),
    statuses,
    excluded,
    resamples,
    seed,
    time,
    paper: options.paper ?? false,
    stats,
    table: table5Rows(stats, options.paper ?? false),
    rankings: rankings(stats),
  };
}
