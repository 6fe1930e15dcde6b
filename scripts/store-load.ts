/**
 * Load figure of the results store (issue 12, item 6; a script, not a test): N worker processes
 * (default 2, 4, 8), each writing one run's per-step metrics at the pace a UCI Energy run produces
 * them, into one store: a PostgreSQL server (a durable throw-away one from scripts/local-postgres.ts,
 * or --storage URL) and an SQLite file. Each worker buffers its rows in the store's metrics writer and
 * commits a batch every 1000 rows or 2 s, as `sfn run` does. Reported per store and N:
 *   - rows/s sustained: rows committed by all workers / seconds from the first write to the last commit
 *     (beside the rate offered, N x steps/s x keys per step);
 *   - p50 and p99 latency of a batch commit (what a training step waits for on SQLite, where the
 *     commit is synchronous; on PostgreSQL the training loop goes on meanwhile);
 *   - rows lost: rows written minus rows counted back from the store afterwards (must be 0).
 * The pace is measured first from a real `sfn run` of UCI Energy (sgd, 500 steps: steps per second of
 * wall time, evaluation included, and keys per step), unless --steps-per-second is given; --steps-per-second 0
 * writes as fast as the store takes them.
 * Usage: node --import tsx scripts/store-load.ts [--workers 2,4,8] [--seconds 15] [--steps-per-second n]
 *        [--storage postgresql://...] [--only postgres|sqlite]
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startLocalPostgres, type LocalPostgres } from './local-postgres.js';
import { openStore } from '../src/store/index.js';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '..');
/** the writer's defaults, as a run uses them */
const FLUSH_ROWS = 1000;
const FLUSH_MS = 2000;

interface ChildResult {
  runId: number;
  rows: number;
  latenciesMs: number[];
  firstWrite: number;
  lastCommit: number;
}

type ToChild = { type: 'go'; seconds: number; stepsPerSecond: number; keys: string[] };
type FromChild = { type: 'ready' } | ({ type: 'done' } & ChildResult) | { type: 'error'; message: string };

// ---- a worker process ----

async function child(target: string, index: number, tag: string): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  const store = await openStore(target);
  try {
    const exp = await store.findOrCreateExperiment('store-load', {});
    const begun = await store.beginRun({ experimentId: exp.id, optimiser: 'load', preset: tag, seed: index, config: {}, backend: 'none', versions: {} });
    if (begun.action !== 'start') throw new Error(`worker ${index}: run not started (${begun.action})`);
    const runId = begun.run.id;
    // flushes are driven here (same thresholds as the writer's own) so that each commit can be timed
    const writer = await store.metricsWriter(runId, { flushRows: Number.MAX_SAFE_INTEGER, flushMs: 1e9 });
    send({ type: 'ready' });
    const go = await new Promise<ToChild>((resolve) => process.once('message', (m: ToChild) => resolve(m)));
    const latenciesMs: number[] = [];
    const start = performance.now();
    const firstWrite = Date.now();
    let step = 0;
    let buffered = 0;
    let lastFlush = performance.now();
    const commit = async () => {
      const t0 = performance.now();
      await writer.flush();
      latenciesMs.push(performance.now() - t0);
      buffered = 0;
      lastFlush = performance.now();
    };
    for (;;) {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= go.seconds) break;
      // catch up with the pace (a commit that took long is followed by the steps it held up)
      const due = go.stepsPerSecond > 0 ? Math.floor(elapsed * go.stepsPerSecond) : step + 1;
      while (step < due) {
        step++;
        const values: Record<string, number> = {};
        for (const k of go.keys) values[k] = 1 / step + k.length;
        writer.writeStep({ step, epoch: step, wallTime: elapsed, wallTimeExclEval: elapsed }, values);
        buffered += go.keys.length;
        if (buffered >= FLUSH_ROWS) await commit();
      }
      if (buffered > 0 && performance.now() - lastFlush >= FLUSH_MS) await commit();
      if (go.stepsPerSecond > 0) await new Promise((r) => setTimeout(r, 1));
      else if (step % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    if (buffered > 0) await commit();
    const lastCommit = Date.now();
    await store.finishRun(runId, { status: 'completed', steps: step });
    send({ type: 'done', runId, rows: step * go.keys.length, latenciesMs, firstWrite, lastCommit });
  } finally {
    await store.close();
  }
}

// ---- the driver ----

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** steps per second (wall time, evaluation included) and keys per step of a real UCI Energy run here. */
async function measurePace(): Promise<{ stepsPerSecond: number; keys: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-load-pace-'));
  try {
    const db = path.join(dir, 'pace.db');
    const r = spawnSync(process.execPath, ['bin/sfn.js', 'run', 'configs/uci-energy.yaml', '--optimiser', 'sgd', '--seeds', '1', '--max-steps', '500', '--db', db], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, SFN_DATA_MIRROR: '' },
    });
    if (r.status !== 0) throw new Error(`the pace run failed:\n${r.stderr}`);
    const store = await openStore(db, { readonly: true });
    try {
      const [run] = await store.listRuns();
      return { stepsPerSecond: run.steps! / run.wallSeconds!, keys: await store.metricKeys(run.id) };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function round(target: string, n: number, seconds: number, stepsPerSecond: number, keys: string[]) {
  const children = Array.from({ length: n }, (_, i) =>
    fork(SELF, ['--child', target, String(i), `n${n}-${Date.now()}`], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const results = children.map(
    (c, i) =>
      new Promise<ChildResult>((resolve, reject) => {
        c.on('message', (m: FromChild) => {
          if (m.type === 'done') resolve(m);
          else if (m.type === 'error') reject(new Error(`worker ${i}: ${m.message}`));
        });
        c.on('exit', (code) => code !== 0 && reject(new Error(`worker ${i} exited with ${code}`)));
      }),
  );
  // all open and started their runs: then all begin at once
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.on('message', (m: FromChild) => m.type === 'ready' && resolve()))));
  for (const c of children) c.send({ type: 'go', seconds, stepsPerSecond, keys } satisfies ToChild);
  const done = await Promise.all(results);

  const store = await openStore(target, { readonly: true });
  let counted = 0;
  try {
    for (const r of done) for (const k of keys) counted += (await store.metricSeries(r.runId, k)).length;
  } finally {
    await store.close();
  }
  const rows = done.reduce((a, r) => a + r.rows, 0);
  const span = (Math.max(...done.map((r) => r.lastCommit)) - Math.min(...done.map((r) => r.firstWrite))) / 1000;
  const lat = done.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  return { rows, rowsPerSecond: rows / span, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), batches: lat.length, lost: rows - counted };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2,4,8' },
      seconds: { type: 'string', default: '15' },
      'steps-per-second': { type: 'string' },
      storage: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const counts = values.workers.split(',').map(Number);
  const seconds = Number(values.seconds);
  const pace = await measurePace();
  const stepsPerSecond = values['steps-per-second'] !== undefined ? Number(values['steps-per-second']) : pace.stepsPerSecond;
  const perWorker = stepsPerSecond * pace.keys.length;
  process.stdout.write(
    `pace: ${stepsPerSecond > 0 ? `${stepsPerSecond.toFixed(0)} steps/s` : 'as fast as the store takes them'} x ${pace.keys.length} keys (${pace.keys.join(', ')})` +
      `${values['steps-per-second'] === undefined ? ', measured from a UCI Energy sgd run here' : ''}; ${seconds} s per round; batches of ${FLUSH_ROWS} rows or ${FLUSH_MS / 1000} s\n`,
  );
  process.stdout.write('store       workers  offered rows/s  sustained rows/s  batches  p50 commit  p99 commit  rows written  rows lost\n');

  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-load-'));
  let server: LocalPostgres | null = null;
  try {
    const backends: { name: string; target: (n: number) => Promise<string> }[] = [];
    if (values.only !== 'sqlite') {
      // a fresh schema per round on the throw-away server; runs of each round apart on a given one
      if (!values.storage) server = await startLocalPostgres({ durable: true });
      let schema = 0;
      backends.push({ name: 'postgres', target: async () => values.storage ?? server!.createSchema(`load_${++schema}`) });
    }
    if (values.only !== 'postgres') backends.push({ name: 'sqlite', target: async (n) => path.join(dir, `load-${n}.db`) });
    for (const b of backends) {
      for (const n of counts) {
        const r = await round(await b.target(n), n, seconds, stepsPerSecond, pace.keys);
        const ms = (x: number) => `${x.toFixed(1)} ms`;
        process.stdout.write(
          `${b.name.padEnd(10)}  ${String(n).padStart(7)}  ${(stepsPerSecond > 0 ? (n * perWorker).toFixed(0) : 'max').padStart(14)}  ${r.rowsPerSecond.toFixed(0).padStart(16)}  ` +
            `${String(r.batches).padStart(7)}  ${ms(r.p50).padStart(10)}  ${ms(r.p99).padStart(10)}  ${String(r.rows).padStart(12)}  ${String(r.lost).padStart(9)}\n`,
        );
      }
    }
  } finally {
    server?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5]).catch((e: Error) => {
    process.send!({ type: 'error', message: e.stack ?? e.message } satisfies FromChild);
    process.exitCode = 1;
  });
} else {
  await main();
}
