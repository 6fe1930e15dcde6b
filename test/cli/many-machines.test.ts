/**
 * Several `sfn` processes sharing one PostgreSQL server, as workers on several machines would
 * (loopback only, a throw-away server): runs split between them; a worker killed mid-trial has its
 * trial re-run by another after the lease; the server stopped for 5 s mid-study loses nothing.
 * --time-attr steps and small budgets keep each bounded (well under a minute).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { describePostgres, localServer } from '../store/backends.js';
import { sfn, sleep, startSfn, tempDir } from './run-helpers.js';

/** Polls the store until `ready` holds (or fails after `ms`); the workers may not have created its tables yet. */
async function until(url: string, ready: (store: Store) => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  let store: Store | null = null;
  try {
    while (Date.now() < end) {
      store ??= await openStore(url, { readonly: true }).catch(() => null);
      if (store && (await ready(store))) return;
      await sleep(100);
    }
  } finally {
    await store?.close();
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts `sfn` workers that are killed when the test ends, however it ends. */
function workersFor(t: TestContext, n: number, args: string[], env: Record<string, string> = {}): ReturnType<typeof startSfn>[] {
  const workers = Array.from({ length: n }, () => startSfn(args, env));
  t.after(() => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  });
  return workers;
}

const LIVENESS = ['--heartbeat', '0.5', '--heartbeat-grace', '2'];
/** UCI Energy trains a trial's steps in about a second: hold each claim so that every worker takes part */
const HOLD_CLAIMS = { SFN_TEST_CLAIM_DELAY_MS: '700' };

describePostgres('many machines', (ctx) => {
  test('`sfn run --seeds 4` in two processes on one server: they split the runs, each run once, both summaries complete', async (t) => {
    const dir = tempDir(t, 'sfn-pg-run-');
    const url = await ctx.target();
    const args = ['run', 'configs/uci-energy.yaml', '--optimiser', 'sgd', '--seeds', '4', '--max-steps', '1000', '--storage', url, '--data-dir', path.join(dir, 'data'), '--json', ...LIVENESS];
    // each run is held 0.7 s after its claim (it trains in well under a second), so that both take part
    const [a, b] = await Promise.all([sfn(args, HOLD_CLAIMS), sfn(args, HOLD_CLAIMS)]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
      assert.deepEqual([summary.optimisers[0].runs, summary.optimisers[0].completed], [4, 4], 'each process summarises all four runs');
    }
    const store = await openStore(url, { readonly: true });
    try {
      const runs = await store.listRuns();
      assert.deepEqual(runs.map((r) => r.seed).sort(), [0, 1, 2, 3], 'one run per seed');
      assert.ok(runs.every((r) => r.status === 'completed' && r.steps === 1000 && r.retries === 0));
      for (const r of runs) assert.equal((await store.metricSeries(r.id, 'train_loss')).length, 1000);
      assert.equal(new Set(runs.map((r) => r.pid)).size, 2, `both processes ran some: ${runs.map((r) => r.pid).join(', ')}`);
    } finally {
      await store.close();
    }
  });

  test('three `sfn tune` processes on one study, one killed (SIGKILL) mid-trial: its trial is re-run by another after the lease, every trial accounted for', async (t) => {
    const dir = tempDir(t, 'sfn-pg-tune-');
    const url = await ctx.target();
    const samples = 8;
    const args = ['tune', 'configs/uci-energy.yaml', '--algo', 'sgd', '--time-attr', 'steps', '--budget', '1600', '--grace', '400', '--samples', String(samples),
      '--storage', url, '--data-dir', path.join(dir, 'data'), '--json', ...LIVENESS];
    const workers = workersFor(t, 3, args, HOLD_CLAIMS);
    const victim = workers[2];
    // kill the third once it trains a trial (the trial's attempt has its run)
    let killedTrial = -1;
    await until(url, async (store) => {
      const study = await store.studies().findStudy('uci-energy-sgd');
      if (!study) return false;
      const mine = (await store.studies().listTrials(study.id)).find((tr) => tr.state === 'running' && tr.owner?.pid === victim.child.pid && tr.runId !== null);
      if (mine) killedTrial = mine.number;
      return mine !== undefined;
    }, 'the third process to train a trial');
    victim.child.kill('SIGKILL');
    const [a, b, killed] = await Promise.all(workers.map((w) => w.done));
    assert.equal(killed.signal, 'SIGKILL');
    for (const r of [a, b]) assert.equal(r.code, 0, r.stderr);

    const store = await openStore(url, { readonly: true });
    try {
      const studies = store.studies();
      const study = (await studies.findStudy('uci-energy-sgd'))!;
      const trials = await studies.listTrials(study.id);
      assert.equal(trials.length, samples);
      assert.ok(trials.every((x) => x.state === 'stopped' || x.state === 'completed'), trials.map((x) => `${x.number} ${x.state}`).join(', '));
      const lost = trials.find((x) => x.number === killedTrial)!;
      assert.deepEqual([lost.attempt, lost.retries], [2, 1], 'the killed attempt was failed and the trial run again');
      assert.ok(lost.owner!.pid !== victim.child.pid);
      const history = (await studies.listAttempts(study.id)).filter((h) => h.trialNumber === killedTrial);
      assert.deepEqual(history.map((h) => [h.attempt, h.outcome]), [[1, 'lost'], [2, lost.state]]);
      assert.match(history[0].reason!, /went silent/);
      assert.ok(trials.filter((x) => x.number !== killedTrial).every((x) => x.attempt === 1), 'no other trial ran twice');
      const runs = await store.listRuns({ experiment: 'tune:uci-energy-sgd' });
      assert.equal(runs.length, samples + 1, 'one run per attempt');
      assert.equal(runs.filter((r) => r.status === 'interrupted').length, 1, "the killed attempt's run is kept, interrupted");
      // the three processes all worked on the study
      assert.equal(new Set((await studies.listAttempts(study.id)).map((h) => h.owner?.pid)).size, 3);
    } finally {
      await store.close();
    }
  });

  test('the server stopped for 5 s mid-study: the workers wait, resume and finish; nothing recorded is lost or doubled', async (t) => {
    const dir = tempDir(t, 'sfn-pg-outage-');
    const server = await localServer();
    const url = await ctx.target();
    const samples = 6;
    const args = ['tune', 'configs/uci-energy.yaml', '--algo', 'sgd', '--time-attr', 'steps', '--budget', '1600', '--grace', '400', '--samples', String(samples),
      '--storage', url, '--data-dir', path.join(dir, 'data'), '--json', ...LIVENESS];
    const workers = workersFor(t, 2, args, HOLD_CLAIMS);
    await until(url, async (store) => {
      const study = await store.studies().findStudy('uci-energy-sgd');
      if (!study) return false;
      const trials = await store.studies().listTrials(study.id);
      return trials.some((x) => x.state === 'stopped' || x.state === 'completed') && trials.filter((x) => x.state === 'running' && x.runId !== null).length === 2;
    }, 'a finished trial and two running');
    server.stop();
    await sleep(5000);
    server.start();
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.ok(results.some((r) => /unreachable .*retrying/.test(r.stderr)), 'the workers noticed the outage');

    const store = await openStore(url, { readonly: true });
    try {
      const studies = store.studies();
      const study = (await studies.findStudy('uci-energy-sgd'))!;
      const trials = await studies.listTrials(study.id);
      assert.ok(trials.every((x) => (x.state === 'stopped' || x.state === 'completed') && x.attempt === 1 && x.retries === 0), 'no lease ran out while the server was down');
      for (const tr of trials) {
        const run = (await store.getRun(tr.runId!))!;
        assert.equal(run.status, 'completed');
        const steps = (await store.metricSeries(run.id, 'train_loss')).map((p) => p.step);
        assert.deepEqual(steps, Array.from({ length: run.steps! }, (_, i) => i + 1), `trial ${tr.number}: every step once`);
        assert.equal(tr.lastStep, run.steps);
      }
    } finally {
      await store.close();
    }
  });
});
