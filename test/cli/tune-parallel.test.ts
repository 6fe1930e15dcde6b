import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import { startSfn } from './run-helpers.js';

test('one study, two `sfn tune` processes at once (one with 2 worker processes): no "database is locked", no trial run twice', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tune-parallel-'));
  try {
    const db = path.join(dir, 'r.db');
    const args = ['tune', 'configs/uci-energy.yaml', '--algo', 'sgd', '--time-attr', 'steps', '--budget', '120', '--grace', '40',
      '--samples', '10', '--db', db, '--data-dir', path.join(dir, 'data')];
    // each claim is held 1.5 s before its trial starts (trials take milliseconds here), so that both
    // processes take part although they start up at different speeds
    const env = { SFN_TEST_CLAIM_DELAY_MS: '1500' };
    const a = startSfn([...args, '--workers', '2'], env);
    const b = startSfn(args, env);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /locked|busy|error/i);
    }

    const store = await openStore(db, { readonly: true });
    const studies = store.studies();
    const study = (await studies.findStudy('uci-energy-sgd'))!;
    const trials = await studies.listTrials(study.id);
    assert.equal(trials.length, 10);
    assert.ok(trials.every((t) => (t.state === 'stopped' || t.state === 'completed') && t.attempt === 1), 'every trial finished, each claimed once');
    const runs = (await store.listRuns({ experiment: 'tune:uci-energy-sgd' }));
    assert.deepEqual(runs.map((r) => r.preset).sort(), trials.map((t) => `trial-${t.number}`).sort(), 'one run per trial');
    assert.ok(runs.every((r) => r.status === 'completed'));
    assert.deepEqual(new Set(trials.map((t) => t.runId)).size, 10);
    // the trials were spread over several processes (the runs record the process that trained them)
    assert.ok(new Set(runs.map((r) => r.pid)).size >= 2, `runs by processes ${[...new Set(runs.map((r) => r.pid))].join(', ')}`);
    const claimers = new Set(trials.map((t) => t.owner?.pid));
    assert.deepEqual([...claimers].sort(), [a.child.pid, b.child.pid].sort(), 'both processes claimed trials');
    // rung results: one per (trial, rung), all of the trials' single attempts
    const results = await studies.listRungResults(study.id);
    assert.equal(new Set(results.map((r) => `${r.trialId}:${r.rung}`)).size, results.length);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
