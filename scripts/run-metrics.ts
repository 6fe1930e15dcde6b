/**
 * What a results database recorded per step, for looking into runs (read-only):
 *   node --import tsx scripts/run-metrics.ts --db runs/sfn.db --run 49 [--from 4131] [--to 4141]
 *     every metric of one run, a line per step;
 *   node --import tsx scripts/run-metrics.ts --db runs/sfn.db --first-above damping=1e3
 *     per run: its status, steps, and the first step at which the metric exceeded the value (or -).
 */
import { openStore } from '../src/store/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const db = arg('db') ?? 'runs/sfn.db';
const store = await openStore(db, { readonly: true });
try {
  const above = arg('first-above');
  const run = arg('run');
  if (above !== undefined) {
    const [key, raw] = above.split('=');
    const limit = Number(raw);
    if (!key || raw === undefined || !Number.isFinite(limit)) throw new Error(`--first-above wants metric=value, e.g. damping=1e3; got '${above}'`);
    const runs = await store.listRuns();
    const series = await store.metricSeriesForRuns(runs.map((r) => r.id), key);
    for (const r of runs) {
      const first = (series.get(r.id) ?? []).find((p) => p.value > limit);
      console.log(`run ${r.id} seed ${r.seed} ${r.status} ${r.steps ?? 0} steps: ${key} > ${limit} first at step ${first?.step ?? '-'}`);
    }
  } else if (run !== undefined) {
    const id = Number(run);
    const from = Number(arg('from') ?? 1);
    const to = Number(arg('to') ?? Infinity);
    const keys = await store.metricKeys(id);
    if (keys.length === 0) throw new Error(`run ${run} has no metrics in ${db}`);
    const columns = await Promise.all(keys.map(async (k) => new Map((await store.metricSeries(id, k)).map((p) => [p.step, p.value]))));
    const steps = [...new Set(columns.flatMap((c) => [...c.keys()]))].filter((s) => s >= from && s <= to).sort((a, b) => a - b);
    for (const s of steps) console.log(`${s} ${keys.map((k, i) => `${k}=${columns[i].get(s) ?? '-'}`).join(' ')}`);
  } else {
    throw new Error('give --run <id> [--from n] [--to n], or --first-above metric=value');
  }
} finally {
  await store.close();
}
