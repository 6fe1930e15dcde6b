import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Store, type RunStart, type RunStatus } from '../../src/store/index.js';
import { deadPid, tempDir } from './helpers.js';

const key = (experimentId: number, seed: number, config: unknown = { lr: 0.1 }): RunStart => ({
  experimentId, optimiser: 'sgd', preset: null, seed, config, backend: 'cpu', versions: {},
});

function withRun(store: Store, expId: number, seed: number, rows: number) {
  const b = store.beginRun(key(expId, seed));
  assert.equal(b.action, 'start');
  const w = store.metricsWriter(b.run.id);
  for (let s = 0; s < rows; s++) w.write({ step: s, epoch: 0, wallTime: s, wallTimeExclEval: s, key: 'loss', value: s });
  w.flush();
  return b.run.id;
}

/** Rewrites a run's owner as if another process had started it. */
function setOwner(path: string, runId: number, pid: number, host?: string) {
  const raw = new Database(path);
  raw.prepare('UPDATE runs SET pid = ?, host = COALESCE(?, host) WHERE id = ?').run(pid, host ?? null, runId);
  raw.close();
}

test('completed and diverged runs are skipped; failed and interrupted ones are wiped and redone', () => {
  const store = Store.open(':memory:');
  const exp = store.findOrCreateExperiment('e', {});
  const outcomes: [Exclude<RunStatus, 'running'>, 'skip' | 'start'][] = [
    ['completed', 'skip'],
    ['diverged', 'skip'],
    ['failed', 'start'],
    ['interrupted', 'start'],
  ];
  outcomes.forEach(([status, expected], seed) => {
    const id = withRun(store, exp.id, seed, 5);
    store.finishRun(id, { status, steps: 5 });
    const again = store.beginRun(key(exp.id, seed));
    assert.equal(again.action, expected, status);
    if (again.action === 'skip') {
      assert.equal(again.run.id, id);
      assert.equal(store.metricSeries(id, 'loss').length, 5, 'kept runs keep their metrics');
    } else if (again.action === 'start') {
      assert.equal(again.redone, true);
      assert.equal(again.previousStatus, status);
      assert.equal(again.run.status, 'running');
      assert.equal(again.run.steps, null);
      assert.equal(store.metricSeries(again.run.id, 'loss').length, 0, 'a redone run starts with no metrics');
    }
  });
  assert.equal(store.listRuns().length, 4, 'no duplicates');
  store.close();
});

test('a run left running by a dead process is redone; one held by a live process is busy', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    let store = Store.open(path);
    const exp = store.findOrCreateExperiment('e', {});
    const dead = withRun(store, exp.id, 0, 3);
    const alive = withRun(store, exp.id, 1, 3);
    const remote = withRun(store, exp.id, 2, 3);
    store.close();
    setOwner(path, dead, deadPid());
    setOwner(path, alive, process.ppid); // our parent: alive, and not us
    setOwner(path, remote, 12345, 'some-other-host');

    store = Store.open(path);
    const busy = store.beginRun(key(exp.id, 1));
    assert.equal(busy.action, 'busy');
    assert.equal(store.beginRun(key(exp.id, 2)).action, 'busy', 'another machine: cannot tell, so never steal');
    assert.equal(store.metricSeries(alive, 'loss').length, 3, 'a busy run is left alone');

    const redo = store.beginRun(key(exp.id, 0));
    assert.equal(redo.action, 'start');
    if (redo.action === 'start') {
      assert.equal(redo.previousStatus, 'running');
      assert.equal(redo.run.pid, process.pid);
      assert.equal(store.metricSeries(redo.run.id, 'loss').length, 0);
    }
    assert.equal(store.listRuns({ seed: 0 }).length, 1);
    store.close();
  } finally {
    cleanup();
  }
});

test('markOrphanedRunsInterrupted marks only runs whose process is gone, keeping their metrics', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'sfn.db');
    let store = Store.open(path);
    const exp = store.findOrCreateExperiment('e', {});
    const orphan = withRun(store, exp.id, 0, 4);
    const live = withRun(store, exp.id, 1, 4);
    const done = withRun(store, exp.id, 2, 4);
    store.finishRun(done, { status: 'completed' });
    store.close();
    setOwner(path, orphan, deadPid());
    setOwner(path, live, process.ppid);

    store = Store.open(path);
    const marked = store.markOrphanedRunsInterrupted();
    assert.deepEqual(marked.map((r) => [r.id, r.status]), [[orphan, 'interrupted']]);
    assert.match(marked[0].error!, /ended without finishing/);
    assert.equal(store.metricSeries(orphan, 'loss').length, 4);
    assert.equal(store.getRun(live)!.status, 'running');
    assert.equal(store.getRun(done)!.status, 'completed');
    store.close();
  } finally {
    cleanup();
  }
});

test('markInterrupted flushes the writer and changes only running runs', () => {
  const store = Store.open(':memory:');
  const exp = store.findOrCreateExperiment('e', {});
  const b = store.beginRun(key(exp.id, 0));
  const w = store.metricsWriter(b.run.id, { flushRows: 100, flushMs: 60_000 });
  w.write({ step: 0, epoch: 0, wallTime: 1, wallTimeExclEval: 1, key: 'loss', value: 1 });
  assert.equal(store.markInterrupted(b.run.id, 'SIGINT', { wallSeconds: 1, steps: 1 }), true);
  const run = store.getRun(b.run.id)!;
  assert.equal(run.status, 'interrupted');
  assert.equal(run.error, 'SIGINT');
  assert.equal(run.steps, 1);
  assert.equal(store.metricSeries(b.run.id, 'loss').length, 1);
  assert.equal(store.markInterrupted(b.run.id), false, 'already finished');
  store.close();
});

test('a changed configuration, preset or seed is a different run', () => {
  const store = Store.open(':memory:');
  const exp = store.findOrCreateExperiment('e', {});
  const first = store.beginRun(key(exp.id, 0, { lr: 0.1 }));
  store.finishRun(first.run.id, { status: 'completed' });
  assert.equal(store.beginRun(key(exp.id, 0, { lr: 0.1 })).action, 'skip');
  assert.equal(store.beginRun(key(exp.id, 0, { lr: 0.2 })).action, 'start');
  assert.equal(store.beginRun({ ...key(exp.id, 0, { lr: 0.1 }), preset: 'paper' }).action, 'start');
  assert.equal(store.beginRun(key(exp.id, 1, { lr: 0.1 })).action, 'start');
  assert.equal(store.listRuns().length, 4);
  store.close();
});
