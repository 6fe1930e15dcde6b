import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import { OPTIMISER_NAMES } from '../../src/config/hyperparameters.js';
import { isImplemented } from '../../src/config/implemented.js';
import { sfn, tempDir } from './run-helpers.js';


function lastJson(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

test('sfn run: every (optimiser, seed) pair, a summary and --json; a rerun skips what is done', async (t) => {
  const dir = tempDir(t, 'sfn-run-');
  const db = path.join(dir, 'r.db');
  const args = ['run', 'configs/uci-energy.yaml', '--optimiser', 'adam,sgd', '--seeds', '2', '--max-steps', '40', '--db', db, '--data-dir', path.join(dir, 'data'), '--json'];
  const r = await sfn(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^backend wasm \(/m);
  assert.match(r.stdout, /4 runs, 0 already done, 4 to run/);
  const summary = lastJson(r.stdout);
  assert.equal(summary.backend, 'wasm');
  assert.equal(summary.interrupted, false);
  assert.deepEqual(summary.optimisers.map((o: { optimiser: string }) => o.optimiser), ['sgd', 'adam']);
  for (const o of summary.optimisers) {
    assert.equal(o.runs, 2);
    assert.equal(o.completed, 2);
    assert.equal(o.diverged, 0);
    for (const k of ['medianFinalTrainLoss', 'medianFinalValLoss', 'medianFinalTestLoss', 'medianWallSeconds']) {
      assert.ok(Number.isFinite(o[k]) && o[k] > 0, `${o.optimiser} ${k} = ${o[k]}`);
    }
    assert.equal(o.medianFinalTestAccuracy, null);
  }

  const store = await openStore(db, { readonly: true });
  const runs = (await store.listRuns());
  assert.equal(runs.length, 4);
  for (const run of runs) {
    assert.equal(run.status, 'completed');
    assert.equal(run.steps, 40);
    assert.equal(run.backend, 'wasm');
    assert.equal((await store.metricSeries(run.id, 'train_loss')).length, 40);
    assert.equal((await store.metricSeries(run.id, 'val_loss')).length, 40);
    assert.equal((await store.metricSeries(run.id, 'test_loss')).length, 40);
    assert.equal((await store.metricSeries(run.id, 'lr')).length, 40, 'optimiser info is recorded per step');
    // the summary's medians come from these final values
  }
  const adamTest = await Promise.all(runs.filter((x) => x.optimiser === 'adam').map(async (x) => (await store.finalAndLowest(x.id, 'test_loss')).final!.value));
  assert.ok(Math.abs(summary.optimisers[1].medianFinalTestLoss - (adamTest[0] + adamTest[1]) / 2) < 1e-12);
  await store.close();

  const logs = readdirSync(path.join(dir, 'r-logs'));
  assert.equal(logs.length, 1);
  const events = readFileSync(path.join(dir, 'r-logs', logs[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
  assert.equal(events.filter((e) => e === 'run-start').length, 4);
  assert.equal(events.filter((e) => e === 'run-end').length, 4);

  const again = await sfn(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /4 runs, 4 already done, 0 to run/);
  assert.deepEqual(lastJson(again.stdout).optimisers, summary.optimisers);
  const after = await openStore(db, { readonly: true });
  assert.deepEqual((await after.listRuns()).map((x) => [x.id, x.startedAt]), runs.map((x) => [x.id, x.startedAt]));
  await after.close();
});

test('sfn run: a diverging optimiser is recorded as diverged with its steps kept; two workers', async (t) => {
  const dir = tempDir(t, 'sfn-run-');
  const config = path.join(dir, 'diverge.yaml');
  writeFileSync(
    config,
    ['name: diverge', 'dataset: uci-energy', 'model: uci-mlp', 'epochs: 60', 'batchSize: full', 'seeds: 2', 'optimisers:', '  - name: sgd', '    lr: 1000', ''].join('\n'),
  );
  const db = path.join(dir, 'r.db');
  const r = await sfn(['run', config, '--db', db, '--data-dir', path.join(dir, 'data'), '--workers', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /on 2 workers/);
  const s = lastJson(r.stdout).optimisers[0];
  assert.deepEqual([s.runs, s.completed, s.diverged, s.medianFinalTestLoss], [2, 0, 2, null]);
  const store = await openStore(db, { readonly: true });
  for (const run of (await store.listRuns())) {
    assert.equal(run.status, 'diverged');
    assert.match(run.error ?? '', /diverged/);
    assert.ok(run.steps! >= 2 && run.steps! < 60);
    assert.equal((await store.metricSeries(run.id, 'train_loss')).length, run.steps);
  }
  await store.close();
});

test('sfn run: a bad config gives the config error and writes nothing', async (t) => {
  const dir = tempDir(t, 'sfn-run-');
  const config = path.join(dir, 'bad.yaml');
  writeFileSync(
    config,
    ['dataset: uci-energy', 'model: uci-mlp', 'epochs: -3', 'batchSize: full', 'seeds: 1', 'colour: blue', 'optimisers:', '  - name: sgd', '    lr: 0.1', ''].join('\n'),
  );
  const db = path.join(dir, 'out', 'r.db');
  const r = await sfn(['run', config, '--db', db]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.yaml.*2 problems/);
  assert.match(r.stderr, /epochs/);
  assert.match(r.stderr, /colour/);
  assert.equal(existsSync(path.join(dir, 'out')), false, 'no database, no logs');

  // an optimiser the config lists but that is not built yet is refused (while there is one)
  const unbuiltName = OPTIMISER_NAMES.find((n) => !isImplemented(n));
  if (unbuiltName) {
    const unbuilt = await sfn(['run', 'configs/uci-energy.yaml', '--optimiser', unbuiltName, '--max-steps', '1', '--db', db]);
    assert.equal(unbuilt.code, 1);
    assert.match(unbuilt.stderr, new RegExp(`${unbuiltName}: not implemented yet`));
  }
  const unknown = await sfn(['run', 'configs/uci-energy.yaml', '--optimiser', 'adma', '--db', db]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /--optimiser: 'adma' is not in/);
  const flags = await sfn(['run', 'configs/uci-energy.yaml', '--optimiser', 'adam', '--workers', '0', '--max-steps', 'x', '--db', db]);
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /--workers: got '0'/);
  assert.match(flags.stderr, /--max-steps: got 'x'/);
  assert.equal(existsSync(path.join(dir, 'out')), false);
});
