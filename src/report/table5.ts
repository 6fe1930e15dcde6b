import { formatMedianError, formatSigned } from './format-number.js';
import type { GroupStats } from './group-stats.js';
import { LOSSES, type LossId } from './losses.js';
import { paperAlgorithmTitle, settingTitle } from './names.js';
import { paperRow, paperSettingMismatch } from './paper-table5.js';

export interface Cell {
  estimate: number;
  error: number;
  /** runs that entered the median */
  n: number;
  /** runs of the group */
  of: number;
}

export interface PaperCell {
  median: number;
  error: number;
  /** (ours - paper) / paper's error */
  delta: number;
}

/** One row of Table 5's layout: final losses of one (experiment, optimiser, preset). */
export interface Table5Row {
  setting: string;
  experiment: string;
  algorithm: string;
  label: string;
  runs: number;
  diverged: number;
  cells: Record<LossId, Cell>;
  /** the paper's values for this row, when --paper asked and the paper has the row */
  paper?: Record<LossId, PaperCell>;
  /** with --paper: why a row the paper has is not compared (its runs are not the paper's setting) */
  paperMismatch?: string;
}

export function table5Rows(stats: readonly GroupStats[], withPaper = false): Table5Row[] {
  return stats.map((s) => {
    const cells = {} as Record<LossId, Cell>;
    for (const l of LOSSES) {
      const f = s.losses[l.id].final;
      cells[l.id] = { estimate: f.estimate, error: f.error, n: f.n, of: s.runs };
    }
    const row: Table5Row = {
      setting: s.group.setting,
      experiment: s.group.experiment,
      algorithm: s.group.title,
      label: s.group.label,
      runs: s.runs,
      diverged: s.byStatus.diverged ?? 0,
      cells,
    };
    const setting = settingTitle(s.group.experiment);
    const p = withPaper ? paperRow(setting, paperAlgorithmTitle(s.group.optimiser)) : undefined;
    const mismatch = p ? s.group.runs.map((r) => paperSettingMismatch(setting, r.config)).find((m) => m !== undefined) : undefined;
    if (mismatch) row.paperMismatch = mismatch;
    else if (p) {
      row.paper = {} as Record<LossId, PaperCell>;
      for (const l of LOSSES) {
        const [median, error] = p[l.id];
        row.paper[l.id] = { median, error, delta: (cells[l.id].estimate - median) / error };
      }
    }
    return row;
  });
}

/** "0.006459 ± 0.005", with "(n=47)" when runs were left out, "—" when none entered. */
export function formatCell(c: Cell): string {
  if (c.n === 0) return '—';
  return formatMedianError(c.estimate, c.error) + (c.n < c.of ? ` (n=${c.n})` : '');
}

export function formatPaperCell(p: PaperCell): string {
  return formatMedianError(p.median, p.error);
}

export function formatDelta(p: PaperCell): string {
  return Number.isFinite(p.delta) ? formatSigned(p.delta, 2) : '—';
}

/** "50" or "50 (3 diverged)". */
export function formatRuns(row: Pick<Table5Row, 'runs' | 'diverged'>): string {
  return row.diverged ? `${row.runs} (${row.diverged} diverged)` : String(row.runs);
}
