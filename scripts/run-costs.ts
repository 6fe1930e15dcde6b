/**
 * What the recorded runs cost: per (experiment, optimiser entry) the median run time, evaluation
 * time, seconds per step (evaluation excluded) and, where the optimiser logs it, the mean number of
 * Hessian-vector products per step. Markdown on stdout.
 *   node --import tsx scripts/run-costs.ts [--db runs/sfn.db]
 */
import { DEFAULT_DB_PATH, openStore, type RunRecord } from '../src/store/index.js';
import { median } from '../src/report/median.js';

const i = process.argv.indexOf('--db');
const db = i >= 0 ? process.argv[i + 1] : DEFAULT_DB_PATH;
const store = await openStore(db, { readonly: true });

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toPrecision(digits) : '—');

const groups = new Map<string, RunRecord[]>();
for (const r of await store.listRuns()) {
  if (r.status !== 'completed' && r.status !== 'diverged') continue;
  const key = `${r.experiment} ${r.optimiser}${r.preset ? `:${r.preset}` : ''}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const lines = [
  `Runs in ${db} (completed and diverged), medians over runs:`,
  '',
  '| experiment optimiser | runs | steps | run time (s) | evaluation (s) | ms per step, excl. evaluation | HVPs per step |',
  '|---|---|---|---|---|---|---|',
];
for (const [key, runs] of groups) {
  const hvps: number[] = [];
  for (const r of runs) {
    const series = await store.metricSeries(r.id, 'hvps');
    if (series.length) hvps.push(series.reduce((a, p) => a + p.value, 0) / series.length);
  }
  const msPerStep = runs.map((r) => (1000 * ((r.wallSeconds ?? NaN) - (r.evalSeconds ?? 0))) / (r.steps ?? NaN));
  lines.push(
    `| ${key} | ${runs.length} | ${median(runs.map((r) => r.steps ?? NaN))} | ${fmt(median(runs.map((r) => r.wallSeconds ?? NaN)))} | ` +
      `${fmt(median(runs.map((r) => r.evalSeconds ?? NaN)))} | ${fmt(median(msPerStep))} | ${hvps.length ? fmt(median(hvps)) : '—'} |`,
  );
}
await store.close();
process.stdout.write(`${lines.join('\n')}\n`);
