import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, SCHEMA_VERSION, configHash, softwareVersions, type RunStart, type Store } from '../../src/store/index.js';
import { PG_MIGRATIONS } from '../../src/store/pg-schema.js';
import { describeStores } from './backends.js';
import { tempDir } from './helpers.js';

const VERSIONS = { sfn: '0.1.0', tfjs: '4.22.0', node: process.versions.node };

function runStart(experimentId: number, over: Partial<RunStart> = {}): RunStart {
  return {
    experimentId,
    optimiser: 'adam',
    preset: null,
    seed: 0,
    config: { lr: 0.01, epochs: 3 },
    backend: 'cpu',
    versions: VERSIONS,
    ...over,
  };
}

test('SQLite: open creates the folders, uses WAL and records the schema version', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'nested', 'deeper', 'sfn.db');
    const store = await openStore(path);
    await store.close();
    assert.ok(existsSync(path));
    const raw = new Database(path);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]).map((r) => r.name);
    assert.deepEqual(tables, ['experiments', 'metric_keys', 'metrics', 'rung_results', 'runs', 'studies', 'trial_attempts', 'trials']);
    raw.close();
  } finally {
    cleanup();
  }
});

test('SQLite: a database from a newer sfn is refused; read-only open needs an existing file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'new.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    await assert.rejects(openStore(path), /newer than this sfn understands/);
    await assert.rejects(openStore(join(dir, 'missing.db'), { readonly: true }), /no results database at .*missing\.db/);
    const ok = join(dir, 'ok.db');
    await (await openStore(ok)).close();
    const ro = await openStore(ok, { readonly: true });
    assert.deepEqual(await ro.listRuns(), []);
    await ro.close();
  } finally {
    cleanup();
  }
});

test('the SQLite and PostgreSQL schemas are at the same version', () => {
  assert.equal(PG_MIGRATIONS.length, SCHEMA_VERSION);
});

describeStores('store', (ctx) => {
  const withStore = (fn: (store: Store, target: string) => Promise<void>) => async () => {
    const target = await ctx.target();
    const store = await ctx.open(target);
    try {
      await fn(store, target);
    } finally {
      await store.close();
    }
  };

  test('experiments are found by name and identity, not duplicated', withStore(async (store) => {
    const a = await store.findOrCreateExperiment('uci-energy', { epochs: 6000, dataset: 'uci-energy' });
    const again = await store.findOrCreateExperiment('uci-energy', { dataset: 'uci-energy', epochs: 6000 }); // key order
    const other = await store.findOrCreateExperiment('uci-energy', { dataset: 'uci-energy', epochs: 10 });
    assert.equal(again.id, a.id);
    assert.notEqual(other.id, a.id);
    assert.deepEqual(a.config, { dataset: 'uci-energy', epochs: 6000 });
    assert.equal(a.configHash, configHash({ epochs: 6000, dataset: 'uci-energy' }));
    assert.deepEqual(
      (await store.listExperiments()).map((e) => [e.id, e.runs]),
      [
        [a.id, 0],
        [other.id, 0],
      ],
    );
  }));

  test('round trip: a run, its metrics (NaN and infinities included), its outcome and the readers', async () => {
    const target = await ctx.target();
    let store = await ctx.open(target);
    const exp = await store.findOrCreateExperiment('fashion-mnist', { dataset: 'fashion-mnist' });
    const begun = await store.beginRun(runStart(exp.id, { optimiser: 'ours', preset: 'paper', seed: 7 }));
    assert.equal(begun.action, 'start');
    const runId = begun.run.id;
    const w = await store.metricsWriter(runId, { flushRows: 4 });
    const losses = [2.5, 1.25, 0.75, Number.NaN, Number.POSITIVE_INFINITY];
    losses.forEach((loss, step) => {
      const at = { step, epoch: Math.floor(step / 2), wallTime: step * 0.5 + 0.1, wallTimeExclEval: step * 0.4 };
      w.writeStep(at, { train_loss: loss, lr: 0.1 * (step + 1) });
      if (step % 2 === 0) w.write({ ...at, key: 'val_loss', value: loss + 1 });
    });
    await store.finishRun(runId, { status: 'diverged', error: 'non-finite loss', wallSeconds: 2.5, evalSeconds: 0.5, steps: 5 });
    await store.close();

    store = await ctx.open(target);
    try {
      const [run] = await store.listRuns();
      assert.equal(run.id, runId);
      assert.equal(run.experiment, 'fashion-mnist');
      assert.equal(run.optimiser, 'ours');
      assert.equal(run.preset, 'paper');
      assert.equal(run.seed, 7);
      assert.deepEqual(run.config, { lr: 0.01, epochs: 3 });
      assert.deepEqual(run.versions, VERSIONS);
      assert.equal(run.status, 'diverged');
      assert.equal(run.error, 'non-finite loss');
      assert.equal(run.wallSeconds, 2.5);
      assert.equal(run.evalSeconds, 0.5);
      assert.equal(run.steps, 5);
      assert.equal(run.pid, process.pid);
      assert.equal(run.retries, 0);
      assert.equal(typeof run.heartbeatAt, 'number', 'started with a heartbeat (database clock)');
      assert.ok(run.finishedAt! >= run.startedAt);

      assert.deepEqual(await store.metricKeys(runId), ['lr', 'train_loss', 'val_loss']);
      const series = await store.metricSeries(runId, 'train_loss');
      assert.deepEqual(series.map((p) => p.value), losses);
      assert.deepEqual(
        series.map((p) => [p.step, p.epoch, p.wallTime, p.wallTimeExclEval]),
        losses.map((_, s) => [s, Math.floor(s / 2), s * 0.5 + 0.1, s * 0.4]),
      );
      assert.deepEqual(
        (await store.metricSeries(runId, 'val_loss')).map((p) => [p.step, p.value]),
        [
          [0, 3.5],
          [2, 1.75],
          [4, Number.POSITIVE_INFINITY],
        ],
      );
      assert.deepEqual(await store.finalAndLowest(runId, 'train_loss'), {
        final: { step: 4, value: Number.POSITIVE_INFINITY },
        lowest: { step: 2, value: 0.75 },
      });
      assert.deepEqual((await store.finalAndLowest(runId, 'lr')).final, { step: 4, value: 0.5 });
      assert.deepEqual(await store.finalAndLowest(runId, 'no_such_key'), { final: null, lowest: null });
      assert.deepEqual(await store.metricSeries(runId, 'no_such_key'), []);
      const many = await store.metricSeriesForRuns([runId, 12345], 'val_loss');
      assert.deepEqual(many.get(runId), await store.metricSeries(runId, 'val_loss'));
      assert.deepEqual(many.get(12345), []);
    } finally {
      await store.close();
    }
  });

  test('listRuns filters by experiment, optimiser, preset, status and seed', withStore(async (store) => {
    const uci = await store.findOrCreateExperiment('uci-energy', {});
    const fm = await store.findOrCreateExperiment('fashion-mnist', {});
    for (const [exp, opt, preset, seed, status] of [
      [uci, 'adam', null, 0, 'completed'],
      [uci, 'adam', null, 1, 'diverged'],
      [uci, 'sgd', null, 0, 'failed'],
      [uci, 'ours', 'code', 0, 'completed'],
      [uci, 'ours', 'paper', 0, 'completed'],
      [fm, 'adam', null, 0, 'completed'],
    ] as const) {
      const b = await store.beginRun(runStart(exp.id, { optimiser: opt, preset, seed }));
      assert.equal(b.action, 'start');
      await store.finishRun(b.run.id, { status });
    }
    const names = async (f: Parameters<Store['listRuns']>[0]) =>
      (await store.listRuns(f)).map((r) => `${r.experiment}/${r.optimiser}/${r.preset}/${r.seed}`);
    assert.equal((await store.listRuns()).length, 6);
    assert.deepEqual(await names({ experiment: 'fashion-mnist' }), ['fashion-mnist/adam/null/0']);
    assert.deepEqual(await names({ experiment: 'uci-energy', optimiser: 'adam' }), ['uci-energy/adam/null/0', 'uci-energy/adam/null/1']);
    assert.deepEqual(await names({ optimiser: ['sgd', 'ours'] }), ['uci-energy/ours/code/0', 'uci-energy/ours/paper/0', 'uci-energy/sgd/null/0']);
    assert.deepEqual(await names({ preset: 'paper' }), ['uci-energy/ours/paper/0']);
    assert.deepEqual(await names({ status: ['diverged', 'failed'] }), ['uci-energy/adam/null/1', 'uci-energy/sgd/null/0']);
    assert.deepEqual(await names({ seed: 1 }), ['uci-energy/adam/null/1']);
    assert.deepEqual(await names({ experimentId: fm.id }), ['fashion-mnist/adam/null/0']);
    assert.deepEqual(await names({ optimiser: [] }), []);
    assert.equal((await store.listExperiments()).find((e) => e.id === uci.id)!.runs, 5);
  }));

  test('finishing or writing to a run that does not exist is an error', withStore(async (store) => {
    await assert.rejects(store.finishRun(99, { status: 'completed' }), /no such run/);
    await assert.rejects(store.metricsWriter(99), /no such run/);
  }));

  test('a read-only store reads what another wrote; a database from a newer sfn is refused', async () => {
    const target = await ctx.target();
    const writer = await ctx.open(target);
    const exp = await writer.findOrCreateExperiment('e', {});
    await writer.beginRun(runStart(exp.id));
    await writer.close();
    const ro = await ctx.open(target, { readonly: true });
    assert.equal((await ro.listRuns()).length, 1);
    await ro.close();
    if (ctx.kind === 'postgres') await ctx.exec(target, 'UPDATE sfn_schema SET version = ?', [SCHEMA_VERSION + 5]);
    else await ctx.exec(target, `PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    await assert.rejects(ctx.open(target), /newer than this sfn understands/);
  });
});

test('software versions name sfn, tfjs and node', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const v = softwareVersions();
  assert.equal(v.sfn, pkg.version);
  assert.match(v.tfjs, /^4\.\d+\.\d+/);
  assert.equal(v.node, process.versions.node);
});
