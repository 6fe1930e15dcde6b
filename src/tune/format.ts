/** Short text for studies: values, configurations, milestones, trial outcomes. */
import type { StudySettings, TimeAttribute, TrialRecord } from '../store/study-types.js';

/** 4 significant digits; non-finite and missing values as words. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e6) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

/** "lr=0.001234 eps=3.1e-7 batchSize=400", in the configuration's order. */
export function formatConfig(config: Record<string, unknown>): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v, 4) : String(v)}`)
    .join(' ');
}

const UNITS: Record<TimeAttribute, (x: number) => string> = {
  time: (x) => `${num(x, 4)} s`,
  steps: (x) => `${num(x, 6)} steps`,
  epochs: (x) => `${num(x, 4)} epochs`,
};

/** A value of the time attribute with its unit. */
export function formatTime(x: number | null, attr: TimeAttribute): string {
  return x === null ? '-' : UNITS[attr](x);
}

/** "rung 1 (120 s)" */
export function formatRung(rung: number | null, settings: Pick<StudySettings, 'grace' | 'reductionFactor' | 'timeAttr'>): string {
  if (rung === null) return '-';
  return `${rung} (${formatTime(settings.grace * settings.reductionFactor ** rung, settings.timeAttr)})`;
}

/** The trial's state and why, e.g. "stopped: below the cutoff at rung 0 (30): ...". */
export function formatOutcome(t: TrialRecord): string {
  return t.reason ? `${t.state}: ${t.reason}` : t.state;
}

/** Best first by the study's metric; trials without a value last, then by number. */
export function rankTrials(trials: readonly TrialRecord[], mode: 'min' | 'max'): TrialRecord[] {
  const key = (t: TrialRecord) => (t.lastValue === null || !Number.isFinite(t.lastValue) ? Infinity : mode === 'min' ? t.lastValue : -t.lastValue);
  return [...trials].sort((a, b) => key(a) - key(b) || a.number - b.number);
}

/** A fixed-width text table, first column left-aligned. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
