import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/store.js';
import type { RunRecord } from '../../src/store/types.js';
import { sfn, sleep, startSfn, tempDir } from './run-helpers.js';

/** Polls the database until `ready` holds for its runs (or fails after `ms`). */
async function waitFor(db: string, ready: (runs: RunRecord[], store: Store) => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await sleep(100);
    let store: Store;
    try {
      store = await openStore(db, { readonly: true });
    } catch {
      continue; // not created yet
    }
    try {
      if (await ready(await store.listRuns(), store)) return;
    } finally {
      await store.close();
    }
  }
  throw new Error(`timed out waiting on ${db}`);
}

test('killed mid-run (SIGKILL): completed runs are kept, the rerun skips them and redoes the rest without duplicates', async (t) => {
  const dir = tempDir(t, 'sfn-resume-');
  const db = path.join(dir, 'r.db');
  const args = ['run', 'configs/uci-energy.yaml', '--optimiser', 'adam', '--seeds', '3', '--max-steps', '2400', '--db', db, '--data-dir', path.join(dir, 'data')];
  const { child, done } = startSfn(args);
  // kill once seed 0 is complete and seed 1 has written some steps
  await waitFor(db, async (runs, store) => {
    const running = runs.find((r) => r.status === 'running');
    return runs.some((r) => r.status === 'completed') && running !== undefined && (await store.metricSeries(running.id, 'train_loss')).length > 0;
  });
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL');

  const mid = await openStore(db, { readonly: true });
  const before = (await mid.listRuns());
  await mid.close();
  const completed = before.filter((r) => r.status === 'completed');
  const unfinished = before.filter((r) => r.status === 'running');
  assert.equal(completed.length, 1);
  assert.equal(unfinished.length, 1, 'the killed run is left as running by a dead process');

  const rerun = await sfn(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /3 runs, 1 already done, 2 to run/);
  assert.match(rerun.stdout, /redoing an unfinished run/);

  const store = await openStore(db, { readonly: true });
  const after = (await store.listRuns());
  assert.equal(after.length, 3, 'no duplicate runs');
  assert.deepEqual(after.map((r) => r.seed).sort(), [0, 1, 2]);
  assert.ok(after.every((r) => r.status === 'completed' && r.steps === 2400));
  const kept = after.find((r) => r.seed === completed[0].seed)!;
  assert.deepEqual([kept.id, kept.startedAt], [completed[0].id, completed[0].startedAt], 'the completed run was skipped, not redone');
  for (const r of after) assert.equal((await store.metricSeries(r.id, 'train_loss')).length, 2400, `run ${r.id}: one value per step`);
  await store.close();
});

test('SIGTERM with two workers: each interrupted run is marked, the exit status is 130', async (t) => {
  const dir = tempDir(t, 'sfn-term-');
  const db = path.join(dir, 'r.db');
  const { child, done } = startSfn(['run', 'configs/uci-energy.yaml', '--optimiser', 'sgd', '--seeds', '2', '--workers', '2', '--db', db, '--data-dir', path.join(dir, 'data'), '--json']);
  await waitFor(db, async (runs, store) => {
    if (runs.length !== 2 || runs.some((r) => r.status !== 'running')) return false;
    for (const r of runs) if ((await store.metricSeries(r.id, 'train_loss')).length === 0) return false;
    return true;
  });
  child.kill('SIGTERM');
  const r = await done; // a run that ignored the signal would finish as 'completed', failing the checks below
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /SIGTERM: stopping after the current step/);
  const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(last.interrupted, true);
  assert.deepEqual([last.optimisers[0].completed, last.optimisers[0].unfinished], [0, 2]);
  const store = await openStore(db, { readonly: true });
  const runs = (await store.listRuns());
  assert.deepEqual(runs.map((x) => x.status), ['interrupted', 'interrupted']);
  for (const run of runs) assert.equal((await store.metricSeries(run.id, 'train_loss')).length, run.steps, 'steps up to the interruption are kept');
  await store.close();
});
