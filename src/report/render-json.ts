import type { Report } from './build-report.js';
import { DIVERGED_POLICY, STATISTIC_DESCRIPTION } from './policy.js';
import { PAPER_TABLE5_SOURCE } from './paper-table5.js';

/** Full-precision numbers for programs: the table, the rankings and every group's per-run values. */
export function renderJson(report: Report): string {
  const finite = (x: number) => (Number.isFinite(x) ? x : x > 0 ? 'inf' : Number.isNaN(x) ? null : '-inf');
  const body = {
    db: report.db,
    generatedAt: report.generatedAt,
    statuses: report.statuses,
    excluded: report.excluded,
    resamples: report.resamples,
    seed: report.seed,
    time: report.time,
    statistic: STATISTIC_DESCRIPTION(report.resamples, report.seed),
    divergedPolicy: DIVERGED_POLICY,
    ...(report.paper ? { paperSource: PAPER_TABLE5_SOURCE } : {}),
    table: report.table,
    rankings: report.rankings,
    groups: report.stats.map((s) => ({
      experiment: s.group.experiment,
      experimentId: s.group.experimentId,
      setting: s.group.setting,
      optimiser: s.group.optimiser,
      preset: s.group.preset,
      runs: s.runs,
      byStatus: s.byStatus,
      losses: s.losses,
    })),
  };
  return JSON.stringify(body, (_k, v) => (typeof v === 'number' ? finite(v) : v), 2) + '\n';
}
