import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type RunStart, type RunStatus, type Store } from '../../src/store/index.js';
import { describeStores } from './backends.js';
import { deadPid, tempDir } from './helpers.js';

const key = (experimentId: number, seed: number, config: unknown = { lr: 0.1 }): RunStart => ({
  experimentId, optimiser: 'sgd', preset: null, seed, config, backend: 'cpu', versions: {},
});

async function withRun(store: Store, expId: number, seed: number, rows: number): Promise<number> {
  const b = await store.beginRun(key(expId, seed));
  assert.equal(b.action, 'start');
  const w = await store.metricsWriter(b.run.id);
  for (let s = 0; s < rows; s++) w.write({ step: s, epoch: 0, wallTime: s, wallTimeExclEval: s, key: 'loss', value: s });
  await w.flush();
  return b.run.id;
}

describeStores('resuming runs', (ctx) => {
  test('completed and diverged runs are skipped; failed and interrupted ones are wiped and redone', async () => {
    const store = await ctx.open();
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const outcomes: [Exclude<RunStatus, 'running'>, 'skip' | 'start'][] = [
        ['completed', 'skip'],
        ['diverged', 'skip'],
        ['failed', 'start'],
        ['interrupted', 'start'],
      ];
      for (const [seed, [status, expected]] of outcomes.entries()) {
        const id = await withRun(store, exp.id, seed, 5);
        await store.finishRun(id, { status, steps: 5 });
        const again = await store.beginRun(key(exp.id, seed));
        assert.equal(again.action, expected, status);
        if (again.action === 'skip') {
          assert.equal(again.run.id, id);
          assert.equal((await store.metricSeries(id, 'loss')).length, 5, 'kept runs keep their metrics');
        } else if (again.action === 'start') {
          assert.equal(again.redone, true);
          assert.equal(again.previousStatus, status);
          assert.equal(again.run.status, 'running');
          assert.equal(again.run.steps, null);
          assert.equal((await store.metricSeries(again.run.id, 'loss')).length, 0, 'a redone run starts with no metrics');
        }
      }
      assert.equal((await store.listRuns()).length, 4, 'no duplicates');
    } finally {
      await store.close();
    }
  });

  test('markInterrupted flushes the writer and changes only running runs', async () => {
    const store = await ctx.open();
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const b = await store.beginRun(key(exp.id, 0));
      const w = await store.metricsWriter(b.run.id, { flushRows: 100, flushMs: 60_000 });
      w.write({ step: 0, epoch: 0, wallTime: 1, wallTimeExclEval: 1, key: 'loss', value: 1 });
      assert.equal(await store.markInterrupted(b.run.id, 'SIGINT', { wallSeconds: 1, steps: 1 }), true);
      const run = (await store.getRun(b.run.id))!;
      assert.equal(run.status, 'interrupted');
      assert.equal(run.error, 'SIGINT');
      assert.equal(run.steps, 1);
      assert.equal((await store.metricSeries(b.run.id, 'loss')).length, 1);
      assert.equal(await store.markInterrupted(b.run.id), false, 'already finished');
    } finally {
      await store.close();
    }
  });

  test('a changed configuration, preset or seed is a different run', async () => {
    const store = await ctx.open();
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const first = await store.beginRun(key(exp.id, 0, { lr: 0.1 }));
      await store.finishRun(first.run.id, { status: 'completed' });
      assert.equal((await store.beginRun(key(exp.id, 0, { lr: 0.1 }))).action, 'skip');
      assert.equal((await store.beginRun(key(exp.id, 0, { lr: 0.2 }))).action, 'start');
      assert.equal((await store.beginRun({ ...key(exp.id, 0, { lr: 0.1 }), preset: 'paper' })).action, 'start');
      assert.equal((await store.beginRun(key(exp.id, 1, { lr: 0.1 }))).action, 'start');
      assert.equal((await store.listRuns()).length, 4);
    } finally {
      await store.close();
    }
  });

  test("another machine's run is busy while its heartbeat is fresh, taken over (a retry) once silent past its lease, failed after max retries", async () => {
    const target = await ctx.target();
    const liveness = { heartbeatSeconds: 1, staleSeconds: 2, maxRetries: 1 };
    const store = await ctx.open(target, { liveness });
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const remote = await withRun(store, exp.id, 0, 3);
      // as another machine's worker left it: alive a moment ago
      const elsewhere = (id: number, silentFor: number) =>
        ctx.exec(target, `UPDATE runs SET pid = 12345, host = 'some-other-host', heartbeat_at = heartbeat_at - ? WHERE id = ?`, [silentFor, id]);
      await elsewhere(remote, 0);
      const busy = await store.beginRun(key(exp.id, 0));
      assert.equal(busy.action, 'busy', 'a fresh heartbeat: in progress elsewhere');
      assert.equal((await store.metricSeries(remote, 'loss')).length, 3, 'a busy run is left alone');

      await elsewhere(remote, 60);
      if (ctx.kind === 'postgres') {
        // leases run again from the server's start: the test file's server must be older than the lease
        const uptime = async () => Number((await ctx.exec(target, 'SELECT extract(epoch from clock_timestamp() - pg_postmaster_start_time())::float8 AS up'))[0].up);
        while ((await uptime()) <= liveness.staleSeconds + 0.5) await sleep(100);
      }
      const taken = await store.beginRun(key(exp.id, 0));
      assert.equal(taken.action, 'start', 'silent for a minute, lease 2 s: lost');
      if (taken.action !== 'start') return;
      assert.equal(taken.previousStatus, 'running');
      assert.equal(taken.run.retries, 1);
      assert.equal(taken.run.pid, process.pid, 'now this worker\'s');
      assert.equal((await store.metricSeries(taken.run.id, 'loss')).length, 0, 'restarted from scratch');

      await elsewhere(taken.run.id, 60);
      const gaveUp = await store.beginRun(key(exp.id, 0));
      assert.equal(gaveUp.action, 'gave-up', 'lost twice with max retries 1');
      assert.equal(gaveUp.run.status, 'failed');
      assert.match(gaveUp.run.error!, /lost 2 times \(max retries 1\).*went silent.*rerun to try again/);
      const rerun = await store.beginRun(key(exp.id, 0));
      assert.equal(rerun.action, 'start', 'a rerun redoes the failed run');
      assert.equal(rerun.run.retries, 0);
      assert.equal((await store.listRuns()).length, 1);
    } finally {
      await store.close();
    }
  });

  test("the heartbeat keeps a running run alive; markOrphanedRunsInterrupted takes only silent ones; a run taken over aborts its watcher", async () => {
    const target = await ctx.target();
    const liveness = { heartbeatSeconds: 0.2, staleSeconds: 1, maxRetries: 2 };
    const store = await ctx.open(target, { liveness });
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const alive = await withRun(store, exp.id, 0, 2);
      const silent = await withRun(store, exp.id, 1, 2);
      const first = (await store.getRun(alive))!.heartbeatAt!;
      // the silent one: as a dead worker elsewhere left it
      await ctx.exec(target, `UPDATE runs SET pid = 1, host = 'gone-host' WHERE id = ?`, [silent]);
      const watch = store.watchRun(silent);
      let beat = first;
      for (let i = 0; i < 100 && beat <= first; i++) {
        await sleep(100);
        beat = (await store.getRun(alive))!.heartbeatAt!;
      }
      assert.ok(beat > first, `the heartbeat advanced (${first} -> ${beat})`);
      await ctx.exec(target, `UPDATE runs SET heartbeat_at = heartbeat_at - 60 WHERE id = ?`, [silent]);
      // another owner's row is no longer beaten here; take it away as another worker would
      await ctx.exec(target, `UPDATE runs SET status = 'interrupted' WHERE id = ?`, [silent]);
      for (let i = 0; i < 100 && !watch.aborted; i++) await sleep(50);
      assert.ok(watch.aborted, 'the heartbeat found the run no longer held and aborted its watcher');
      await ctx.exec(target, `UPDATE runs SET status = 'running', heartbeat_at = heartbeat_at - 60 WHERE id = ?`, [silent]);
      const marked = await store.markOrphanedRunsInterrupted();
      assert.deepEqual(marked.map((r) => [r.id, r.status]), [[silent, 'interrupted']]);
      assert.match(marked[0].error!, /went silent/);
      assert.equal((await store.getRun(alive))!.status, 'running');
      assert.equal((await store.metricSeries(silent, 'loss')).length, 2, 'its metrics are kept');
    } finally {
      await store.close();
    }
  });
});

/** Rewrites a run's owner as if another process had started it. */
function setOwner(path: string, runId: number, pid: number, host?: string) {
  const raw = new Database(path);
  raw.prepare('UPDATE runs SET pid = ?, host = COALESCE(?, host) WHERE id = ?').run(pid, host ?? null, runId);
  raw.close();
}

test('SQLite: a run left running by a dead process on this machine is redone at once; one held by a live process is busy', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    let store = await openStore(path);
    const exp = await store.findOrCreateExperiment('e', {});
    const dead = await withRun(store, exp.id, 0, 3);
    const alive = await withRun(store, exp.id, 1, 3);
    const remote = await withRun(store, exp.id, 2, 3);
    await store.close();
    setOwner(path, dead, deadPid());
    setOwner(path, alive, process.ppid); // our parent: alive, and not us
    setOwner(path, remote, 12345, 'some-other-host');

    store = await openStore(path);
    const busy = await store.beginRun(key(exp.id, 1));
    assert.equal(busy.action, 'busy');
    assert.equal((await store.beginRun(key(exp.id, 2))).action, 'busy', 'another machine with a fresh heartbeat: in progress');
    assert.equal((await store.metricSeries(alive, 'loss')).length, 3, 'a busy run is left alone');

    const redo = await store.beginRun(key(exp.id, 0));
    assert.equal(redo.action, 'start', 'its process is gone: no need to wait for the lease');
    if (redo.action === 'start') {
      assert.equal(redo.previousStatus, 'running');
      assert.equal(redo.run.pid, process.pid);
      assert.equal((await store.metricSeries(redo.run.id, 'loss')).length, 0);
    }
    assert.equal((await store.listRuns({ seed: 0 })).length, 1);

    setOwner(path, alive, deadPid());
    const marked = await store.markOrphanedRunsInterrupted();
    assert.deepEqual(marked.map((r) => [r.id, r.status]), [[alive, 'interrupted']]);
    assert.match(marked[0].error!, /ended without finishing/);
    assert.equal((await store.metricSeries(alive, 'loss')).length, 3);
    await store.close();
  } finally {
    cleanup();
  }
});
