/**
 * The cost of `sfn tune`'s per-step reports on the SQLite study store (npm run tune-overhead):
 *  1. per step of a trial's run, through its hooks (which skip the store between rungs); per report
 *     to the store, in this process: between rungs (one read) and at a rung (one
 *     IMMEDIATE transaction: read the rung, decide, record), against the time of one UCI Energy step
 *     (Adam, full batch, evaluation every step, as the paper) measured here when the data is at hand
 *     ($SFN_DATA_MIRROR or the cache), else given with --step-ms;
 *  2. reports per second one study sustains with two worker processes reporting as fast as they can
 *     (synthetic learning curves, ASHA stopping most trials at their first rungs), and whether any
 *     report failed or any trial was claimed twice.
 * Usage: node --import tsx scripts/tune-overhead.ts [--seconds 5] [--step-ms 7.5] [--storage postgresql://...]
 * (default: SQLite files in a temporary folder; --storage measures a PostgreSQL server instead).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openStore, type StudySettings } from '../src/store/index.js';
import { QUIET_REPORT_MS, trialHooks } from '../src/tune/trial-hooks.js';

const SELF = fileURLToPath(import.meta.url);

function settings(samples: number, budget: number): StudySettings {
  return {
    experiment: { name: 'overhead', identity: {} },
    optimiser: 'sgd',
    space: { optimiser: 'sgd', params: [] },
    base: {},
    timeAttr: 'steps',
    budget,
    grace: 30,
    reductionFactor: 4,
    samples,
    seed: 0,
    metric: 'val_loss',
    mode: 'min',
    trialSeed: 0,
  };
}

async function createStudy(db: string, name: string, samples: number, budget: number): Promise<number> {
  const store = await openStore(db);
  const experimentId = (await store.findOrCreateExperiment('tune:overhead', {})).id;
  const opened = await store.studies().openStudy({ name, experimentId, settings: settings(samples, budget), configurations: Array.from({ length: samples }, (_, i) => ({ i })) });
  await store.close();
  return opened.study.id;
}

/** A synthetic learning curve: each trial its own level, falling with the steps. */
const curve = (trial: number, step: number) => (1 + ((trial * 7919) % 97) / 10) / (1 + step / 20);

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))];

async function perReport(db: string, name: string): Promise<{ betweenUs: number; hookUs: number; atRungUs: number; atRungP99Us: number }> {
  const trialsAtRung = 400;
  const studyId = await createStudy(db, name, trialsAtRung + 2, 1e9);
  const store = await openStore(db);
  const studies = store.studies();
  // between rungs: one trial reporting 30,000 steps (rungs at 30, 120, 480, ... cost a few transactions),
  // with its run attached as a trial's worker has it
  const t = (await studies.claimTrial(studyId))!;
  const run = await store.beginRun({ experimentId: (await studies.findStudy(name))!.experimentId, optimiser: 'sgd', preset: 'trial-0', seed: 0, config: {}, backend: 'none', versions: {} });
  await studies.attachRun(t.id, t.attempt, run.run.id);
  const steps = 30_000;
  let t0 = performance.now();
  for (let s = 1; s <= steps; s++) await studies.reportTrial(t.id, t.attempt, { time: s, value: curve(0, s), step: s, wallTime: s / 100 });
  const betweenUs = ((performance.now() - t0) * 1000) / steps;
  // what a trial's run pays per step: every step through its hooks (trial-hooks.ts), which ask the
  // store only at rungs and every QUIET_REPORT_MS; rungs and the asks included in the mean. Its curve
  // is below the first trial's, so that ASHA keeps it to the end rather than stopping it at rung 0.
  const h = (await studies.claimTrial(studyId))!;
  const hooks = trialHooks(studies, { studyId, study: name, trialId: h.id, number: h.number, attempt: h.attempt, timeAttr: 'steps', metric: 'val_loss', stepsPerEpoch: 1 });
  const hookRun = await store.beginRun({ experimentId: (await studies.findStudy(name))!.experimentId, optimiser: 'sgd', preset: 'trial-1', seed: 0, config: {}, backend: 'none', versions: {} });
  await hooks.started!(hookRun.run);
  t0 = performance.now();
  for (let s = 1; s <= steps; s++) {
    await hooks.shouldStop!({ step: s, epoch: s - 1, wallTime: s / 100, wallTimeExclEval: s / 200, trainLoss: 1, valLoss: curve(0, s) / 2, info: {} });
  }
  const hookUs = ((performance.now() - t0) * 1000) / steps;
  if ((await studies.getTrial(h.id))!.state !== 'running') throw new Error('the hooks\' trial was stopped: the figure would time a stopped trial');
  // at a rung: many trials each arriving at the first rung (a transaction that reads the rung, decides, records)
  const times: number[] = [];
  for (let i = 0; i < trialsAtRung; i++) {
    const trial = (await studies.claimTrial(studyId))!;
    t0 = performance.now();
    await studies.reportTrial(trial.id, trial.attempt, { time: 30, value: curve(i + 1, 30), step: 30, wallTime: 0.3 });
    times.push((performance.now() - t0) * 1000);
  }
  await store.close();
  times.sort((a, b) => a - b);
  return { betweenUs, hookUs, atRungUs: times.reduce((a, b) => a + b, 0) / times.length, atRungP99Us: percentile(times, 99) };
}

async function uciStepMs(): Promise<number | null> {
  try {
    const { initBackend } = await import('../src/backend/index.js');
    const { loadDataset } = await import('../src/data/load.js');
    const { modelByName } = await import('../src/models/zoo.js');
    const { adam } = await import('../src/library/optimisers.js');
    const { train } = await import('../src/train/loop.js');
    await initBackend(process.env.SFN_BACKEND ?? 'wasm');
    const dataset = await loadDataset('uci-energy', {});
    const walls: number[] = [];
    await train({
      dataset, model: modelByName('uci-mlp'), optimizer: adam({ lr: 0.09201, eps: 0.05873, beta1: 0.8361, beta2: 0.7247 }),
      seed: 0, epochs: 6000, batchSize: 'full', maxSteps: 400, onStep: (r) => walls.push(r.wallTime),
    });
    const dt = walls.slice(100).map((w, i) => (w - walls[99 + i]) * 1000).sort((a, b) => a - b);
    return percentile(dt, 50);
  } catch (e) {
    process.stderr.write(`(no UCI Energy step measured: ${(e as Error).message}; give --step-ms)\n`);
    return null;
  }
}

/** Child: claim trials and report their curves as fast as possible for `seconds` after "go". */
async function child(db: string, name: string, seconds: number): Promise<void> {
  const store = await openStore(db);
  const studies = store.studies();
  const study = (await studies.findStudy(name))!;
  process.stdout.write('READY\n');
  const input = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => input.once('line', () => resolve()));
  input.close();
  process.stdin.destroy();
  let reports = 0;
  const claimed: number[] = [];
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = await studies.claimTrial(study.id);
    if (!t) break;
    claimed.push(t.number);
    for (let s = 1; ; s++) {
      const t0 = performance.now();
      const d = await studies.reportTrial(t.id, t.attempt, { time: s, value: curve(t.number, s), step: s, wallTime: s / 100 });
      latencies.push(performance.now() - t0);
      reports++;
      if (d.action === 'lost') throw new Error(`trial ${t.number} lost`);
      if (d.action !== 'continue' || performance.now() >= end) break;
    }
  }
  await store.close();
  latencies.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ reports, claimed, p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1] })}\n`);
}

async function twoWorkers(db: string, name: string, seconds: number) {
  await createStudy(db, name, 50_000, 480);
  const kids = [0, 1].map(() => {
    const c = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', db, name, String(seconds)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve) => c.stdout.on('data', () => out.includes('READY') && resolve()));
    const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => c.on('close', (code) => resolve({ code, out, err })));
    return { c, ready, done };
  });
  await Promise.all(kids.map((k) => k.ready));
  const t0 = performance.now();
  kids.forEach((k) => k.c.stdin.write('go\n'));
  const results = await Promise.all(kids.map((k) => k.done));
  const elapsed = (performance.now() - t0) / 1000;
  const parsed = results.map((r) => {
    if (r.code !== 0) throw new Error(`worker failed (${r.code}): ${r.err}`);
    return JSON.parse(r.out.trim().split('\n').pop()!) as { reports: number; claimed: number[]; p99Ms: number; maxMs: number };
  });
  const claimed = parsed.flatMap((p) => p.claimed);
  return {
    reportsPerSecond: parsed.reduce((a, p) => a + p.reports, 0) / elapsed,
    trials: claimed.length,
    doubleClaimed: claimed.length - new Set(claimed).size,
    errors: results.map((r) => r.err.trim()).filter(Boolean),
    p99Ms: Math.max(...parsed.map((p) => p.p99Ms)),
    maxMs: Math.max(...parsed.map((p) => p.maxMs)),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], args[2], Number(args[3]));
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const seconds = flag('--seconds') ?? 5;
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tune-overhead-'));
  try {
    const storage = args.includes('--storage') ? args[args.indexOf('--storage') + 1] : null;
    const tag = `${process.pid}-${Date.now()}`;
    const one = await perReport(storage ?? path.join(dir, 'one.db'), `overhead-one-${tag}`);
    const stepMs = flag('--step-ms') ?? (await uciStepMs());
    const pct = (us: number) => (stepMs ? ` = ${((us / 1000 / stepMs) * 100).toFixed(2)}% of a UCI Energy step (${stepMs.toFixed(2)} ms)` : '');
    console.log(`per step of a trial's run (its hooks ask the store at rungs and every ${QUIET_REPORT_MS / 1000} s): ${one.hookUs.toFixed(2)} µs${pct(one.hookUs)}`);
    console.log(`per report to the store, between rungs (one read): ${one.betweenUs.toFixed(1)} µs${pct(one.betweenUs)}`);
    console.log(`per report, at a rung (one transaction): mean ${one.atRungUs.toFixed(1)} µs, p99 ${one.atRungP99Us.toFixed(1)} µs${pct(one.atRungUs)}`);
    const two = await twoWorkers(storage ?? path.join(dir, 'two.db'), `overhead-two-${tag}`, seconds);
    console.log(
      `two worker processes on one study, ${seconds} s: ${Math.round(two.reportsPerSecond)} reports/s over ${two.trials} trials; ` +
        `report latency p99 ${two.p99Ms.toFixed(2)} ms, max ${two.maxMs.toFixed(1)} ms; ` +
        `trials claimed twice: ${two.doubleClaimed}; errors: ${two.errors.length ? two.errors.join(' | ') : 'none'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
