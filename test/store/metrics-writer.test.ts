import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsWriter, type Store } from '../../src/store/index.js';
import { describeStores, type StoreContext } from './backends.js';

const at = (step: number) => ({ step, epoch: 0, wallTime: step, wallTimeExclEval: step });

async function setup(ctx: StoreContext) {
  const target = await ctx.target();
  const store = await ctx.open(target);
  const exp = await store.findOrCreateExperiment('e', {});
  const b = await store.beginRun({
    experimentId: exp.id, optimiser: 'sgd', preset: null, seed: 0, config: {}, backend: 'cpu', versions: {},
  });
  // a second connection sees only committed rows
  const reader = await ctx.open(target, { readonly: true });
  const visible = async () => (await reader.metricSeries(b.run.id, 'loss')).length;
  const close = async () => {
    await reader.close();
    await store.close();
  };
  return { store, runId: b.run.id, visible, close };
}

/** Until `cond` holds (a server's batch is written in the background), at most a few seconds. */
async function eventually(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await cond()); i++) await sleep(20);
}

describeStores('metrics writer', (ctx) => {
  test('the writer commits every flushRows rows, not before', async () => {
    const { store, runId, visible, close } = await setup(ctx);
    try {
      const w = await store.metricsWriter(runId, { flushRows: 3, flushMs: 60_000 });
      w.write({ ...at(0), key: 'loss', value: 1 });
      w.write({ ...at(1), key: 'loss', value: 2 });
      await sleep(50);
      assert.equal(await visible(), 0);
      assert.equal(w.pending, 2);
      w.write({ ...at(2), key: 'loss', value: 3 });
      await eventually(async () => (await visible()) === 3);
      assert.equal(await visible(), 3);
      assert.equal(w.pending, 0);
      assert.equal(w.written, 3);
      w.write({ ...at(3), key: 'loss', value: 4 });
      await sleep(50);
      assert.equal(await visible(), 3);
      await w.close();
      assert.equal(await visible(), 4);
      assert.throws(() => w.write({ ...at(4), key: 'loss', value: 5 }), /closed/);
    } finally {
      await close();
    }
  });

  test('the writer commits after flushMs even when nothing else is written', async () => {
    const { store, runId, visible, close } = await setup(ctx);
    try {
      const w = await store.metricsWriter(runId, { flushRows: 1000, flushMs: 30 });
      w.write({ ...at(0), key: 'loss', value: 1 });
      assert.equal(await visible(), 0);
      await eventually(async () => (await visible()) === 1);
      assert.equal(await visible(), 1);
      // a write arriving after the interval flushes at once
      w.write({ ...at(1), key: 'loss', value: 2 });
      const t0 = Date.now();
      while (Date.now() - t0 < 40); // busy wait: the timer cannot fire meanwhile
      w.write({ ...at(2), key: 'loss', value: 3 });
      await eventually(async () => (await visible()) === 3);
      assert.equal(await visible(), 3);
      await w.close();
    } finally {
      await close();
    }
  });

  test('finishRun and close flush what is buffered', async () => {
    const { store, runId, visible, close } = await setup(ctx);
    try {
      const w = await store.metricsWriter(runId, { flushRows: 1000, flushMs: 60_000 });
      assert.equal(await store.metricsWriter(runId), w, 'one writer per run');
      w.write({ ...at(0), key: 'loss', value: 1 });
      await store.finishRun(runId, { status: 'completed', steps: 1 });
      assert.equal(await visible(), 1);
      assert.notEqual(await store.metricsWriter(runId), w, 'a finished run gets a new writer');
    } finally {
      await close();
    }
  });

  test('writing the same (key, step) twice keeps the last value, within a batch and across batches', async () => {
    const store: Store = await ctx.open();
    try {
      const exp = await store.findOrCreateExperiment('e', {});
      const { run } = await store.beginRun({
        experimentId: exp.id, optimiser: 'sgd', preset: null, seed: 0, config: {}, backend: 'cpu', versions: {},
      });
      const w = await store.metricsWriter(run.id);
      w.write({ ...at(5), key: 'loss', value: 1 });
      w.write({ ...at(5), key: 'loss', value: 2 });
      await w.flush();
      w.write({ ...at(5), key: 'loss', value: 3 });
      await w.close();
      assert.deepEqual((await store.metricSeries(run.id, 'loss')).map((p) => p.value), [3]);
    } finally {
      await store.close();
    }
  });
});

test('a close whose flush fails throws and keeps the rows, so a later close records them', async () => {
  const committed: number[] = [];
  let failures = 1;
  const sink = (_runId: number, rows: readonly { step: number }[]) => {
    if (failures-- > 0) throw new Error('database is locked');
    committed.push(...rows.map((r) => r.step));
  };
  let closed = 0;
  const writer = new MetricsWriter(1, sink, { flushRows: 100, flushMs: 60_000 }, () => closed++);
  for (let step = 0; step < 3; step++) writer.writeStep(at(step), { loss: step });
  await assert.rejects(writer.close(), /database is locked/);
  assert.equal(writer.pending, 3);
  assert.equal(closed, 0);
  await writer.close();
  assert.deepEqual(committed, [0, 1, 2]);
  assert.equal(closed, 1);
  await writer.close(); // safe twice
  assert.equal(closed, 1);
});

test('an asynchronous sink: one batch in flight, rows collected meanwhile, a failed batch back at the front, nothing lost or doubled', async () => {
  const committed: number[] = [];
  let inFlight = 0;
  let most = 0;
  let failNext = true;
  const sink = async (_runId: number, rows: readonly { step: number }[]) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await sleep(20);
    inFlight--;
    if (failNext) {
      failNext = false;
      throw new Error('Connection terminated unexpectedly');
    }
    committed.push(...rows.map((r) => r.step));
  };
  const writer = new MetricsWriter(1, sink, { flushRows: 5, flushMs: 60_000 });
  for (let step = 0; step < 5; step++) writer.write({ ...at(step), key: 'loss', value: step });
  // the first batch is in flight and will fail; writes go on meanwhile
  for (let step = 5; step < 23; step++) writer.write({ ...at(step), key: 'loss', value: step });
  await sleep(60);
  // the failure is reported to the next write, the rows kept
  assert.throws(() => writer.write({ ...at(23), key: 'loss', value: 23 }), /Connection terminated/);
  await writer.close();
  assert.equal(most, 1, 'one batch in flight at a time');
  assert.deepEqual([...committed].sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i), 'every row once (the failed write of row 23 was refused)');
});
