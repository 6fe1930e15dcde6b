/**
 * `sfn report --study <study>`: the study's settings, its rungs (cutoffs, how many trials stopped
 * there), the trials' table (configuration, last metric, rung reached, state) and an SVG of every
 * trial's metric against the study's time attribute with the rungs marked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeDistribution, type SearchSpace } from '../config/search-space.js';
import { renderLinePlot, type SeriesSpec } from '../report/svg-plot.js';
import { openStore, type Store } from '../store/store.js';
import type { StudyProgress, StudyRecord, TrialRecord } from '../store/study-types.js';
import type { MetricPoint } from '../store/types.js';
import { formatConfig, formatRung, formatTime, num } from './format.js';
import { TUNE_METRICS, isTuneMetric } from './metrics.js';
import { bestTrial, formatCounts, studyFolder } from './study-summary.js';

export interface StudyReport {
  study: StudyRecord;
  progress: StudyProgress;
  trials: TrialRecord[];
  /** trials stopped at each rung */
  stoppedAt: number[];
  best: TrialRecord | null;
}

/** Most points drawn per trial (longer series are thinned evenly, keeping the last point). */
const MAX_POINTS = 400;

export async function buildStudyReport(store: Store, name: string): Promise<StudyReport> {
  const studies = store.studies();
  const study = await studies.findStudy(name);
  if (!study) {
    const known = (await studies.listStudies()).map((s) => s.name);
    throw new Error(`no study '${name}' in ${store.location}; recorded: ${known.length ? known.join(', ') : 'none (run `sfn tune` first)'}`);
  }
  const progress = await studies.studyProgress(study.id);
  const trials = await studies.listTrials(study.id);
  const stoppedAt = progress.rungs.map((r) => trials.filter((t) => t.state === 'stopped' && t.rung === r.rung).length);
  return { study, progress, trials, stoppedAt, best: bestTrial(study, trials) };
}

export function renderStudyMarkdown(r: StudyReport): string {
  const s = r.study.settings;
  const space = s.space as SearchSpace;
  const lines = [
    `## Study ${r.study.name}: ${s.optimiser} on ${s.experiment.name}`,
    '',
    `ASHA on the last ${s.metric} (${s.mode === 'min' ? 'lower' : 'higher'} is better): grace ${formatTime(s.grace, s.timeAttr)}, ` +
      `reduction factor ${s.reductionFactor}, budget ${formatTime(s.budget, s.timeAttr)}; ${s.samples} configurations (sampler seed ${s.seed}), ` +
      `each trained with seed ${s.trialSeed}.`,
    `Space: ${space.params.map((p) => `${p.name} ~ ${describeDistribution(p.dist)}`).join(', ')}.`,
    `Trials: ${formatCounts(r.progress)}.`,
    r.best ? `Best: trial ${r.best.number}, ${s.metric} ${num(r.best.lastValue)} (${r.best.state}): ${formatConfig(r.best.config)}.` : 'Best: no result yet.',
    '',
    markdownTable(
      ['rung', 'at', 'recorded', 'stopped there', `cutoff (${s.metric})`],
      r.progress.rungs.map((g, i) => [String(g.rung), formatTime(g.milestone, s.timeAttr), String(g.recorded), String(r.stoppedAt[i]), num(g.cutoffValue)]),
    ),
    '',
    markdownTable(
      ['trial', 'state', 'rung reached', 'at', s.metric, 'configuration', 'reason'],
      r.trials.map((t) => [String(t.number), t.state, formatRung(t.rung, s), formatTime(t.lastTime, s.timeAttr), num(t.lastValue), formatConfig(t.config), t.reason ?? '']),
    ),
    '',
  ];
  return lines.join('\n');
}

export function renderStudyCsv(r: StudyReport): string {
  const keys = (r.study.settings.space as SearchSpace).params.map((p) => p.name);
  const header = ['trial', 'state', 'attempt', 'rung', 'last_time', r.study.settings.metric, 'run_id', ...keys, 'reason'];
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = r.trials.map((t) => [t.number, t.state, t.attempt, t.rung, t.lastTime, t.lastValue, t.runId, ...keys.map((k) => t.config[k]), t.reason].map(cell).join(','));
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

export function renderStudyJson(r: StudyReport): string {
  return `${JSON.stringify({ study: r.study, progress: r.progress, stoppedAt: r.stoppedAt, best: r.best?.number ?? null, trials: r.trials }, null, 2)}\n`;
}

/** The SVG of every trial's metric against the time attribute; rungs as dashed vertical lines. */
export async function renderStudySvg(store: Store, r: StudyReport): Promise<string> {
  const s = r.study.settings;
  const withRuns = r.trials.filter((t) => t.runId !== null);
  const series = await store.metricSeriesForRuns(withRuns.map((t) => t.runId!), s.metric);
  const lines: SeriesSpec[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of withRuns) {
    const points = thin(series.get(t.runId!) ?? []);
    const x = timeAxis(points, s.timeAttr);
    const y = points.map((p) => p.value);
    for (const v of y) if (Number.isFinite(v) && v > 0) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const best = t.id === r.best?.id;
    const color = best ? '#d62728' : t.state === 'completed' ? '#1f77b4' : t.state === 'running' ? '#ff7f0e' : t.state === 'failed' ? '#000000' : '#9a9a9a';
    lines.push({ label: `trial ${t.number} (${t.state})`, x, y, color, width: best ? 2.5 : 1 });
  }
  // the best trial last, so that it is drawn on top
  lines.sort((a, b) => Number(a.color === '#d62728') - Number(b.color === '#d62728'));
  const logY = s.mode === 'min' && Number.isFinite(lo);
  if (Number.isFinite(lo)) {
    for (const g of r.progress.rungs) {
      lines.unshift({ label: `rung ${g.rung}`, x: [g.milestone, g.milestone], y: [lo, hi], color: '#555555', dash: '5 4', width: 1 });
    }
  }
  const metricTitle = isTuneMetric(s.metric) ? TUNE_METRICS[s.metric].title : s.metric;
  const xTitle = s.timeAttr === 'time' ? 'trial wall-clock time (s), evaluation included' : s.timeAttr;
  return renderLinePlot({
    title: `${r.study.name}: ${metricTitle} of every trial (best red, completed blue, stopped grey; rungs dashed)`,
    width: 900,
    height: 520,
    x: { label: xTitle, min: 0, max: s.budget },
    y: { label: metricTitle, scale: logY ? 'log' : 'linear' },
    series: lines,
    legend: 'none',
  });
}

/** Writes the SVG into `folder` (default: the study's folder beside the database, or runs/ for a server); returns its path. */
export async function writeStudySvg(store: Store, r: StudyReport, folder?: string): Promise<string> {
  const dir = folder ?? studyFolder(store.filesBeside, r.study.name);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${r.study.name}-trials.svg`);
  writeFileSync(file, await renderStudySvg(store, r));
  return file;
}

function thin(points: MetricPoint[]): MetricPoint[] {
  if (points.length <= MAX_POINTS) return points;
  const stride = Math.ceil(points.length / MAX_POINTS);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

/** x of each point in the time attribute's units (epochs: the epoch plus the fraction of its steps done). */
function timeAxis(points: MetricPoint[], attr: StudyReport['study']['settings']['timeAttr']): number[] {
  if (attr === 'time') return points.map((p) => p.wallTime);
  if (attr === 'steps') return points.map((p) => p.step);
  const perEpoch = new Map<number, number>();
  for (const p of points) perEpoch.set(p.epoch, (perEpoch.get(p.epoch) ?? 0) + 1);
  const seen = new Map<number, number>();
  return points.map((p) => {
    const j = (seen.get(p.epoch) ?? 0) + 1;
    seen.set(p.epoch, j);
    return p.epoch + j / perEpoch.get(p.epoch)!;
  });
}

function markdownTable(header: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** `sfn report --study`: the tables on stdout in `format`, the SVG into `plots` (default: the study's folder); returns the SVG's path. */
export async function reportStudy(
  target: string,
  name: string,
  o: { format: 'markdown' | 'csv' | 'json'; plots?: string },
  out: NodeJS.WritableStream = process.stdout,
): Promise<string> {
  const store = await openStore(target, { readonly: true });
  try {
    const r = await buildStudyReport(store, name);
    out.write(o.format === 'csv' ? renderStudyCsv(r) : o.format === 'json' ? renderStudyJson(r) : renderStudyMarkdown(r));
    return await writeStudySvg(store, r, o.plots);
  } finally {
    await store.close();
  }
}
