import type { Report } from './build-report.js';
import { formatSignificant, formatMedianError } from './format-number.js';
import { lossInfo, LOSSES } from './losses.js';
import { PAPER_TABLE5_SOURCE } from './paper-table5.js';
import { DIVERGED_POLICY, STATISTIC_DESCRIPTION } from './policy.js';
import type { Ranking } from './ranking.js';
import { formatCell, formatDelta, formatPaperCell, formatRuns } from './table5.js';
import { plural } from '../util/plural.js';

/** A table of display strings, rendered as Markdown or HTML. */
export interface TextTable {
  headers: string[];
  rows: string[][];
  /** columns to right-align (numbers) */
  numeric: boolean[];
}

/** Table 5's layout; with the paper's values and the difference in its errors when the report has them. */
export function table5Text(report: Report): TextTable {
  const paper = report.paper;
  const headers = ['Setting', 'Algorithm', 'Runs'];
  const numeric = [false, false, true];
  for (const l of LOSSES) {
    headers.push(l.title);
    numeric.push(true);
    if (paper) {
      headers.push(`${l.title} (paper)`, 'Δ/σ');
      numeric.push(true, true);
    }
  }
  let previous = '';
  const rows = report.table.map((r) => {
    const cells = [r.setting === previous ? '' : r.setting, r.algorithm, formatRuns(r)];
    previous = r.setting;
    for (const l of LOSSES) {
      cells.push(formatCell(r.cells[l.id]));
      if (paper) {
        const p = r.paper?.[l.id];
        cells.push(p ? formatPaperCell(p) : '', p ? formatDelta(p) : '');
      }
    }
    return cells;
  });
  return { headers, rows, numeric };
}

/** One setting's Figure 5: the training and test rankings side by side. */
export function rankingText(training: Ranking, test: Ranking | undefined): TextTable {
  const a = training.entries;
  const b = test?.entries ?? [];
  const rows: string[][] = [];
  const cell = (e: Ranking['entries'][number] | undefined) =>
    e === undefined ? ['', ''] : [e.algorithm, e.n === 0 ? '—' : formatMedianError(e.estimate, e.error) + (e.n < e.runs ? ` (n=${e.n})` : '')];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const rank = a[i]?.rank || b[i]?.rank ? String(i + 1) : '—';
    rows.push([rank, ...cell(a[i]), ...cell(b[i])]);
  }
  return {
    headers: ['Rank', 'Algorithm', `Lowest ${lossInfo(training.loss).title.toLowerCase()}`, 'Algorithm', `Lowest ${lossInfo(test?.loss ?? 'test').title.toLowerCase()}`],
    rows,
    numeric: [true, false, true, false, true],
  };
}

/** The rankings grouped per setting: [setting, training ranking, test ranking]. */
export function rankingsBySetting(report: Report): { setting: string; experimentId: number; training: Ranking; test?: Ranking }[] {
  const out: { setting: string; experimentId: number; training: Ranking; test?: Ranking }[] = [];
  for (const r of report.rankings) {
    if (r.loss !== 'training') continue;
    out.push({
      setting: r.setting,
      experimentId: r.experimentId,
      training: r,
      test: report.rankings.find((t) => t.experimentId === r.experimentId && t.loss === 'test'),
    });
  }
  return out;
}

/** The notes under the tables: how values were computed, what was left out, where the paper's come from. */
export function reportNotes(report: Report): string[] {
  const notes = [
    `Table 5 layout: final losses. ${STATISTIC_DESCRIPTION(report.resamples, report.seed)}`,
    'Ranking (Figure 5): each run\'s lowest finite loss, then the same bootstrap median; best first.',
    DIVERGED_POLICY,
  ];
  const excluded = Object.entries(report.excluded).filter(([, n]) => n);
  notes.push(
    `Statuses included: ${report.statuses.join(', ')}.` +
      (excluded.length
        ? ` Excluded by status: ${excluded.map(([s, n]) => `${n} ${s}`).join(', ')} (include them with --status).`
        : ''),
  );
  if (report.paper) {
    const matched = report.table.filter((r) => r.paper).length;
    notes.push(
      `Paper values: ${PAPER_TABLE5_SOURCE}; Δ/σ = (ours − paper) / paper's error. ` +
        `${matched} of ${plural(report.table.length, 'row')} ${matched === 1 ? 'has' : 'have'} a paper row (matched by setting and algorithm; every preset of an algorithm compares with its one row).`,
    );
    const mismatched = report.table.filter((r) => r.paperMismatch);
    if (mismatched.length) {
      notes.push(
        `Not compared with the paper because their runs are not its setting: ` +
          mismatched.map((r) => `${r.setting} ${r.algorithm} (${r.paperMismatch})`).join('; ') + '.',
      );
    }
  }
  return notes;
}

/** A number for CSV cells: rounded as the tables round it, empty when missing. */
export function csvNumber(x: number | undefined, digits: number): string {
  return x === undefined || Number.isNaN(x) ? '' : formatSignificant(x, digits);
}
