import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import type { TrialRecord } from '../../src/store/study-types.js';
import { sfn, startSfn } from './run-helpers.js';
import { assertStudyMatchesReplay, waitForTrials } from './tune-helpers.js';

const finished = (trials: TrialRecord[]) => trials.filter((t) => t.state === 'stopped' || t.state === 'completed').length;
const runningWithRun = (trials: TrialRecord[]) => trials.find((t) => t.state === 'running' && t.runId !== null);

test('Ctrl-C (SIGTERM) and kill -9 in the middle of a study: the same command resumes it, no trial lost or duplicated', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-tune-resume-'));
  try {
    const db = path.join(dir, 'r.db');
    const name = 'uci-energy-adam';
    // every trial runs at least 160 steps (the grace period; a few tenths of a second on a fast machine), so there
    // is always one to interrupt between the poll that sees it and the signal
    const args = ['tune', 'configs/uci-energy.yaml', '--algo', 'adam', '--time-attr', 'steps', '--budget', '640', '--grace', '160',
      '--reduction', '2', '--samples', '6', '--seed', '1', '--db', db, '--data-dir', path.join(dir, 'data')];

    // 1. SIGTERM while a trial runs: it stops after its step, goes back to waiting, its run is kept as interrupted
    const first = startSfn(args);
    await waitForTrials(db, name, (trials) => finished(trials) >= 1 && runningWithRun(trials) !== undefined);
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /SIGTERM: stopping the running trials after their current step/);
    assert.match(stopped.stdout, /interrupted: finished trials are kept; the others restart when you rerun the same command/);
    let store = await openStore(db, { readonly: true });
    let study = (await store.studies().findStudy(name))!;
    let trials = await store.studies().listTrials(study.id);
    const done1 = finished(trials);
    assert.equal(trials.filter((t) => t.state === 'running').length, 0);
    const requeued = trials.find((t) => t.state === 'waiting' && t.attempt === 1)!;
    assert.match(requeued.reason!, /attempt 1 interrupted after \d+ steps; it restarts when the study resumes/);
    const interrupted = (await store.listRuns({ experiment: `tune:${name}`, status: 'interrupted' }));
    assert.deepEqual(interrupted.map((r) => r.preset), [`trial-${requeued.number}`]);
    await store.close();

    // 2. kill -9 while a later trial runs: it is left "running" by a dead process
    const second = startSfn(args);
    await waitForTrials(db, name, (ts) => finished(ts) > done1 && runningWithRun(ts) !== undefined);
    second.child.kill('SIGKILL');
    assert.equal((await second.done).signal, 'SIGKILL');
    store = await openStore(db, { readonly: true });
    trials = await store.studies().listTrials(study.id);
    const orphan = trials.find((t) => t.state === 'running')!;
    assert.equal(orphan.owner?.pid, second.child.pid);
    await store.close();

    // 3. the same command again finishes the study
    const third = await sfn(args);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, new RegExp(`trial ${orphan.number}: attempt ${orphan.attempt} was left running by process ${second.child.pid} on .*, which ended; restarted \\(retry 1 of 2\\)`));
    assert.match(third.stdout, /0 running, 0 waiting, \d stopped, \d completed, 0 failed/);

    // every trial exactly once, finished; each attempt its own run, the interrupted ones kept
    const replay = await assertStudyMatchesReplay(db, name);
    study = replay.study;
    trials = replay.trials;
    assert.deepEqual(trials.map((t) => t.number), [0, 1, 2, 3, 4, 5]);
    assert.ok(trials.every((t) => t.state === 'stopped' || t.state === 'completed'));
    assert.ok(trials.find((t) => t.number === requeued.number)!.attempt >= 2);
    assert.ok(trials.find((t) => t.number === orphan.number)!.attempt > orphan.attempt);
    store = await openStore(db, { readonly: true });
    const runs = (await store.listRuns({ experiment: `tune:${name}` }));
    for (const t of trials) {
      const mine = runs.filter((r) => r.preset === `trial-${t.number}`);
      assert.equal(mine.length, t.attempt, `trial ${t.number}: one run per attempt`);
      assert.deepEqual(mine.map((r) => (r.config as { attempt: number }).attempt).sort(), Array.from({ length: t.attempt }, (_, i) => i + 1));
      assert.deepEqual(mine.filter((r) => r.status === 'completed').map((r) => r.id), [t.runId], `trial ${t.number}: its last attempt's run completed`);
      assert.ok(mine.filter((r) => r.id !== t.runId).every((r) => r.status === 'interrupted'), `trial ${t.number}: earlier attempts kept, interrupted`);
    }
    const results = await store.studies().listRungResults(study.id);
    for (const r of results) assert.equal(r.attempt, trials.find((t) => t.id === r.trialId)!.attempt, 'rung results are those of the current attempts');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
