import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStore, type StudySettings } from '../../src/store/index.js';
import { describeStores } from './backends.js';

const WORKER = fileURLToPath(new URL('./fixtures/study-worker.ts', import.meta.url));
const TRIALS = 60;
const STEPS = 50;

const SETTINGS: StudySettings = {
  experiment: { name: 'toy', identity: {} },
  optimiser: 'sgd',
  space: { optimiser: 'sgd', params: [] },
  base: {},
  timeAttr: 'steps',
  budget: STEPS,
  grace: 5,
  reductionFactor: 2,
  samples: TRIALS,
  seed: 0,
  metric: 'val_loss',
  mode: 'min',
  trialSeed: 0,
};

interface Worker {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; out: string; err: string }>;
}

function startWorker(db: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, db, 'toy', String(STEPS)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('READY')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.on('close', () => clearTimeout(guard));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { ready, go: () => child.stdin.write('go\n'), done };
}

describeStores('study concurrency', (ctx) => {
  test('two worker processes on one study: no "database is locked", no trial claimed twice, every trial accounted for', async () => {
    const db = await ctx.target();
    const store = await openStore(db);
    const experimentId = (await store.findOrCreateExperiment('tune:toy', {})).id;
    const { study } = await store.studies().openStudy({ name: 'toy', experimentId, settings: SETTINGS, configurations: Array.from({ length: TRIALS }, (_, i) => ({ i })) });
    await store.close();

    const workers = [startWorker(db), startWorker(db)];
    await Promise.all(workers.map((w) => w.ready));
    workers.forEach((w) => w.go());
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) {
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '', 'nothing on stderr (no "database is locked")');
    }
    const [a, b] = results.map((r) => JSON.parse(r.out.trim().split('\n').pop()!) as { claimed: number[]; reports: number });
    assert.ok(a.claimed.length > 0 && b.claimed.length > 0, `both workers claimed trials (${a.claimed.length}, ${b.claimed.length})`);
    assert.deepEqual([...a.claimed, ...b.claimed].sort((x, y) => x - y), Array.from({ length: TRIALS }, (_, i) => i), 'each trial claimed exactly once');

    const check = await openStore(db, { readonly: true });
    try {
      const studies = check.studies();
      const trials = await studies.listTrials(study.id);
      assert.ok(trials.every((t) => t.attempt === 1 && (t.state === 'stopped' || t.state === 'completed')));
      const progress = await studies.studyProgress(study.id);
      assert.equal(progress.counts.stopped + progress.counts.completed, TRIALS);
      assert.ok(progress.counts.stopped > TRIALS / 2, `ASHA stopped most trials (${progress.counts.stopped})`);
      // every rung result belongs to its trial's attempt, and at most one per (trial, rung)
      const results2 = await studies.listRungResults(study.id);
      const keys = new Set(results2.map((r) => `${r.trialId}:${r.rung}`));
      assert.equal(keys.size, results2.length);
      assert.ok(results2.every((r) => r.attempt === 1));
    } finally {
      await check.close();
    }
  });
});
