import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { MetricsWriter, Store } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

const at = (step: number) => ({ step, epoch: 0, wallTime: step, wallTimeExclEval: step });

function setup(dir: string) {
  const path = join(dir, 'sfn.db');
  const store = Store.open(path);
  const exp = store.findOrCreateExperiment('e', {});
  const b = store.beginRun({
    experimentId: exp.id, optimiser: 'sgd', preset: null, seed: 0, config: {}, backend: 'cpu', versions: {},
  });
  // a second connection sees only committed rows
  const reader = Store.open(path, { readonly: true });
  const visible = () => reader.metricSeries(b.run.id, 'loss').length;
  return { store, reader, runId: b.run.id, visible };
}

test('the writer commits every flushRows rows, not before', () => {
  const { dir, cleanup } = tempDir();
  const { store, reader, runId, visible } = setup(dir);
  try {
    const w = store.metricsWriter(runId, { flushRows: 3, flushMs: 60_000 });
    w.write({ ...at(0), key: 'loss', value: 1 });
    w.write({ ...at(1), key: 'loss', value: 2 });
    assert.equal(visible(), 0);
    assert.equal(w.pending, 2);
    w.write({ ...at(2), key: 'loss', value: 3 });
    assert.equal(visible(), 3);
    assert.equal(w.pending, 0);
    assert.equal(w.written, 3);
    w.write({ ...at(3), key: 'loss', value: 4 });
    assert.equal(visible(), 3);
    w.close();
    assert.equal(visible(), 4);
    assert.throws(() => w.write({ ...at(4), key: 'loss', value: 5 }), /closed/);
  } finally {
    reader.close();
    store.close();
    cleanup();
  }
});

test('the writer commits after flushMs even when nothing else is written', async () => {
  const { dir, cleanup } = tempDir();
  const { store, reader, runId, visible } = setup(dir);
  try {
    const w = store.metricsWriter(runId, { flushRows: 1000, flushMs: 30 });
    w.write({ ...at(0), key: 'loss', value: 1 });
    assert.equal(visible(), 0);
    await sleep(120);
    assert.equal(visible(), 1);
    // a write arriving after the interval flushes at once
    w.write({ ...at(1), key: 'loss', value: 2 });
    const t0 = Date.now();
    while (Date.now() - t0 < 40); // busy wait: the timer cannot fire meanwhile
    w.write({ ...at(2), key: 'loss', value: 3 });
    assert.equal(visible(), 3);
    w.close();
  } finally {
    reader.close();
    store.close();
    cleanup();
  }
});

test('finishRun and close flush what is buffered', () => {
  const { dir, cleanup } = tempDir();
  const { store, reader, runId, visible } = setup(dir);
  try {
    const w = store.metricsWriter(runId, { flushRows: 1000, flushMs: 60_000 });
    assert.equal(store.metricsWriter(runId), w, 'one writer per run');
    w.write({ ...at(0), key: 'loss', value: 1 });
    store.finishRun(runId, { status: 'completed', steps: 1 });
    assert.equal(visible(), 1);
    assert.notEqual(store.metricsWriter(runId), w, 'a finished run gets a new writer');
  } finally {
    reader.close();
    store.close();
    cleanup();
  }
});

test('writing the same (key, step) twice keeps the last value', () => {
  const store = Store.open(':memory:');
  const exp = store.findOrCreateExperiment('e', {});
  const { run } = store.beginRun({
    experimentId: exp.id, optimiser: 'sgd', preset: null, seed: 0, config: {}, backend: 'cpu', versions: {},
  });
  const w = store.metricsWriter(run.id);
  w.write({ ...at(5), key: 'loss', value: 1 });
  w.write({ ...at(5), key: 'loss', value: 2 });
  w.close();
  assert.deepEqual(store.metricSeries(run.id, 'loss').map((p) => p.value), [2]);
  store.close();
});

test('a close whose flush fails throws and keeps the rows, so a later close records them', () => {
  const committed: number[] = [];
  let failures = 1;
  const sink = (_runId: number, rows: readonly { step: number }[]) => {
    if (failures-- > 0) throw new Error('database is locked');
    committed.push(...rows.map((r) => r.step));
  };
  let closed = 0;
  const writer = new MetricsWriter(1, sink, { flushRows: 100, flushMs: 60_000 }, () => closed++);
  for (let step = 0; step < 3; step++) writer.writeStep(at(step), { loss: step });
  assert.throws(() => writer.close(), /database is locked/);
  assert.equal(writer.pending, 3);
  assert.equal(closed, 0);
  writer.close();
  assert.deepEqual(committed, [0, 1, 2]);
  assert.equal(closed, 1);
  writer.close(); // safe twice
  assert.equal(closed, 1);
});
