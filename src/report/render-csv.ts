import type { Report } from './build-report.js';
import { LOSSES } from './losses.js';
import { csvNumber } from './text-tables.js';

const LOSS_COLUMN = { training: 'training_loss', test: 'test_loss', validation: 'validation_loss' } as const;

export function csvLine(cells: readonly (string | number)[]): string {
  return cells
    .map((c) => {
      const s = String(c);
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',');
}

/** Table 5's rows as CSV: one row per (setting, algorithm), median and error in separate columns. */
export function renderCsv(report: Report): string {
  const header = ['setting', 'algorithm', 'optimiser', 'runs', 'diverged'];
  for (const l of LOSSES) {
    const c = LOSS_COLUMN[l.id];
    header.push(c, `${c}_error`, `${c}_n`);
    if (report.paper) header.push(`paper_${c}`, `paper_${c}_error`, `${c}_delta_in_paper_errors`);
  }
  const lines = [csvLine(header)];
  for (const r of report.table) {
    const cells: (string | number)[] = [r.setting, r.algorithm, r.label, r.runs, r.diverged];
    for (const l of LOSSES) {
      const c = r.cells[l.id];
      cells.push(csvNumber(c.estimate, 4), csvNumber(c.error, 2), c.n);
      if (report.paper) {
        const p = r.paper?.[l.id];
        cells.push(csvNumber(p?.median, 4), csvNumber(p?.error, 2), csvNumber(p?.delta, 3));
      }
    }
    lines.push(csvLine(cells));
  }
  return lines.join('\n') + '\n';
}

/** The rankings as CSV (one row per setting, loss and algorithm). */
export function renderRankingCsv(report: Report): string {
  const lines = [csvLine(['setting', 'loss', 'rank', 'algorithm', 'optimiser', 'lowest', 'error', 'n', 'runs', 'diverged'])];
  for (const r of report.rankings) {
    for (const e of r.entries) {
      lines.push(csvLine([r.setting, r.loss, e.rank || '', e.algorithm, e.label, csvNumber(e.estimate, 4), csvNumber(e.error, 2), e.n, e.runs, e.diverged]));
    }
  }
  return lines.join('\n') + '\n';
}
