import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store, type StoreOptions, type StudyDefinition, type StudySettings, type TrialReport } from '../../src/store/index.js';
import { describeStores, type StoreContext } from './backends.js';
import { deadPid, tempDir } from './helpers.js';

const SETTINGS: StudySettings = {
  experiment: { name: 'toy', identity: { dataset: 'uci-energy', epochs: 5 } },
  optimiser: 'sgd',
  space: { optimiser: 'sgd', params: [{ name: 'lr', dist: { kind: 'logUniform', low: 1e-3, high: 1 } }] },
  base: {},
  timeAttr: 'steps',
  budget: 100,
  grace: 10,
  reductionFactor: 2, // rungs at 10, 20, 40, 80; cutoff = the median of the others
  samples: 4,
  seed: 0,
  metric: 'val_loss',
  mode: 'min',
  trialSeed: 0,
};

type StudyTest = (store: Store, def: StudyDefinition, target: string) => Promise<void>;

/** A store on a fresh database holding the experiment of the study `toy` (not yet created). */
function studyIn(open: (options?: StoreOptions) => Promise<{ store: Store; target: string; cleanup?: () => void }>, options?: StoreOptions) {
  return (fn: StudyTest) => async () => {
    const { store, target, cleanup } = await open(options);
    try {
      const experimentId = (await store.findOrCreateExperiment('tune:toy', { study: 'toy' })).id;
      const def: StudyDefinition = { name: 'toy', experimentId, settings: SETTINGS, configurations: [0.1, 0.2, 0.3, 0.4].map((lr) => ({ lr })) };
      await fn(store, def, target);
    } finally {
      await store.close();
      cleanup?.();
    }
  };
}

function onBackend(ctx: StoreContext, options?: StoreOptions) {
  return studyIn(async (o) => {
    const target = await ctx.target();
    return { store: await ctx.open(target, o), target };
  }, options);
}

const at = (step: number, value: number): TrialReport => ({ time: step, value, step, wallTime: step / 100 });

describeStores('study store', (ctx) => {
  const withStudy = onBackend(ctx);

  test('a study is created once with its trials; reopening needs equal settings and says what differs', withStudy(async (store, def) => {
    const studies = store.studies();
    const created = await studies.openStudy(def);
    assert.equal(created.kind, 'created');
    assert.equal(created.study.trials, 4);
    const trials = await studies.listTrials(created.study.id);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.attempt, (t.config as { lr: number }).lr]), [
      [0, 'waiting', 0, 0.1], [1, 'waiting', 0, 0.2], [2, 'waiting', 0, 0.3], [3, 'waiting', 0, 0.4],
    ]);
    assert.equal((await studies.openStudy(def)).kind, 'opened');
    const other = await studies.openStudy({
      ...def,
      settings: { ...SETTINGS, samples: 8, experiment: { name: 'toy', identity: { dataset: 'uci-energy', epochs: 6 } } },
    });
    assert.equal(other.kind, 'mismatch');
    if (other.kind !== 'mismatch') return;
    assert.deepEqual(other.differences, [
      { key: 'experiment.identity.epochs', stored: 5, asked: 6 },
      { key: 'samples', stored: 4, asked: 8 },
    ]);
    assert.equal((await studies.listTrials(created.study.id)).length, 4, 'nothing of the other settings was added');
  }));

  test('claims go in trial order, one attempt each, until none is waiting', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const claimed = [];
    for (let t = await studies.claimTrial(study.id); t; t = await studies.claimTrial(study.id)) claimed.push(t);
    assert.deepEqual(claimed.map((t) => [t.number, t.state, t.attempt, t.owner?.pid]), [0, 1, 2, 3].map((n) => [n, 'running', 1, process.pid]));
    assert.equal(await studies.claimTrial(study.id), null);
    assert.deepEqual((await studies.requeueOrphanedTrials(study.id)).length, 0, "this process's own running trials are not orphans");
  }));

  test('reports: between rungs nothing is written; at a rung the decision is recorded', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id))!;
    assert.equal((await studies.reportTrial(a.id, 1, at(9, 0.5))).action, 'continue');
    assert.deepEqual(await studies.listRungResults(study.id), []);
    const first = await studies.reportTrial(a.id, 1, at(10, 0.5));
    assert.deepEqual([first.action, first.rung, first.cutoff], ['continue', 0, null]);
    for (let s = 11; s < 20; s++) assert.equal((await studies.reportTrial(a.id, 1, at(s, 0.4))).action, 'continue');

    const b = (await studies.claimTrial(study.id))!;
    const worse = await studies.reportTrial(b.id, 1, at(10, 0.6));
    assert.deepEqual([worse.action, worse.rung, worse.cutoff], ['stop', 0, -0.5]);
    assert.match(worse.reason, /worse than the cutoff at rung 0 \(10\): val_loss 0.6, cutoff val_loss 0.5/);
    const stopped = (await studies.getTrial(b.id))!;
    assert.deepEqual([stopped.state, stopped.lastValue, stopped.lastStep, stopped.rung], ['stopped', 0.6, 10, 0]);
    assert.equal((await studies.reportTrial(b.id, 1, at(11, 0.1))).action, 'lost', 'a stopped trial takes no more reports');

    const c = (await studies.claimTrial(study.id))!;
    // rung 0 holds -0.5 and -0.6: the median is -0.55; 0.52 is better
    const better = await studies.reportTrial(c.id, 1, at(12, 0.52));
    assert.deepEqual([better.action, better.rung, better.cutoff], ['continue', 0, -0.55]);
    assert.deepEqual((await studies.listRungResults(study.id)).map((r) => [r.trialNumber, r.rung, r.milestone, r.step, r.value, r.decision]), [
      [0, 0, 10, 10, 0.5, 'continue'],
      [1, 0, 10, 10, 0.6, 'stop'],
      [2, 0, 10, 12, 0.52, 'continue'],
    ]);

    const p = await studies.studyProgress(study.id);
    assert.deepEqual(p.counts, { waiting: 1, running: 2, stopped: 1, completed: 0, failed: 0 });
    assert.equal(p.best?.number, 0, 'the best last value: trial 0 at 0.5 (later reports between rungs are not decisions)');
    assert.deepEqual(p.rungs.map((r) => [r.rung, r.milestone, r.recorded]), [[0, 10, 3], [1, 20, 0], [2, 40, 0], [3, 80, 0]]);
    assert.ok(Math.abs(p.rungs[0].cutoffValue! - 0.52) < 1e-12, 'cutoff as a validation loss: the 50th percentile of 0.5, 0.52, 0.6');
  }));

  test('a jump over rungs judges the highest first, the skipped one at the next report', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id))!;
    assert.equal((await studies.reportTrial(a.id, 1, at(45, 1))).rung, 2);
    assert.equal((await studies.reportTrial(a.id, 1, at(46, 1))).rung, 1);
    assert.equal((await studies.reportTrial(a.id, 1, at(47, 1))).rung, 0);
    assert.equal((await studies.reportTrial(a.id, 1, at(48, 1))).rung, null);
  }));

  test('a non-finite metric stops the trial at once, recording no rung', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id))!;
    const d = await studies.reportTrial(a.id, 1, at(3, Number.NaN));
    assert.equal(d.action, 'stop');
    const t = (await studies.getTrial(a.id))!;
    assert.deepEqual([t.state, t.lastValue, t.lastStep, t.rung], ['stopped', null, 3, null]);
    assert.match(t.reason!, /non-finite metric/);
    assert.deepEqual(await studies.listRungResults(study.id), []);
  }));

  test('max_t completes a trial; a trial that ends on its own records its last result at its highest unrecorded rung', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id))!;
    await studies.reportTrial(a.id, 1, at(10, 0.5));
    const done = await studies.reportTrial(a.id, 1, at(100, 0.1));
    assert.deepEqual([done.action, done.rung], ['complete', 3]);
    assert.equal((await studies.getTrial(a.id))!.state, 'completed');

    const b = (await studies.claimTrial(study.id))!;
    await studies.reportTrial(b.id, 1, at(25, 0.3)); // records rung 1
    assert.equal(await studies.finishTrial(b.id, 1, { state: 'completed', reason: 'trained to its end (epochs)', last: at(50, 0.2) }), true);
    const results = (await studies.listRungResults(study.id)).filter((r) => r.trialNumber === 1);
    assert.deepEqual(results.map((r) => [r.rung, r.value, r.decision]), [[1, 0.3, 'continue'], [2, 0.2, 'complete']]);
    assert.equal(await studies.finishTrial(b.id, 1, { state: 'failed', reason: 'late' }), false, 'a finished trial is not finished twice');
    assert.equal((await studies.getTrial(b.id))!.state, 'completed');
  }));

  test("a requeued attempt: rung results go, its run is kept and marked interrupted, the next attempt is judged afresh", withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id))!;
    const begin = await store.beginRun({ experimentId: def.experimentId, optimiser: 'sgd', preset: 'trial-0', seed: 0, config: { attempt: 1 }, backend: 'cpu', versions: {} });
    assert.equal(begin.action, 'start');
    assert.equal(await studies.attachRun(a.id, 1, begin.run.id), true);
    await studies.reportTrial(a.id, 1, at(10, 9)); // a bad value, recorded at rung 0
    assert.equal(await studies.requeueTrial(a.id, 1, 'interrupted (test)'), true);
    assert.equal(await studies.requeueTrial(a.id, 1, 'again'), false);
    assert.equal((await store.getRun(begin.run.id))!.status, 'interrupted');
    assert.equal((await store.getRun(begin.run.id))!.error, 'interrupted (test)');
    assert.deepEqual(await studies.listRungResults(study.id), []);
    const waiting = (await studies.getTrial(a.id))!;
    assert.deepEqual([waiting.state, waiting.runId, waiting.reason], ['waiting', null, 'interrupted (test)']);

    const again = (await studies.claimTrial(study.id))!;
    assert.deepEqual([again.id, again.attempt], [a.id, 2]);
    assert.equal((await studies.reportTrial(a.id, 1, at(11, 0.1))).action, 'lost', 'the old attempt cannot report');
    assert.equal(await studies.attachRun(a.id, 1, begin.run.id), false);
    const b = (await studies.claimTrial(study.id))!;
    await studies.reportTrial(b.id, 1, at(10, 0.7));
    // attempt 2 of trial 0 at rung 0 is compared with trial 1's 0.7 only, not with its own earlier 9
    const d = await studies.reportTrial(a.id, 2, at(10, 0.8));
    assert.deepEqual([d.action, d.cutoff], ['stop', -0.7]);
    const results = (await studies.listRungResults(study.id)).map((r) => [r.trialNumber, r.attempt, r.value]);
    assert.deepEqual(results.sort(), [[0, 2, 0.8], [1, 1, 0.7]]);
  }));
});

const onSqliteFile = studyIn(async (o) => {
  const { dir, cleanup } = tempDir();
  const target = join(dir, 'r.db');
  return { store: await openStore(target, o), target, cleanup };
});

test('SQLite: trials left running by a process that has ended here are requeued at once; other live owners and other machines are not', onSqliteFile(async (store, def) => {
  const studies = store.studies();
  const { study } = await studies.openStudy(def);
  const parent = (await studies.claimTrial(study.id, { pid: process.ppid, host: hostname() }))!;
  const remote = (await studies.claimTrial(study.id, { pid: 1, host: 'elsewhere' }))!;
  const gone = (await studies.claimTrial(study.id, { pid: deadPid(), host: hostname() }))!;
  const requeued = await studies.requeueOrphanedTrials(study.id);
  assert.deepEqual(requeued.map((t) => [t.number, t.state, t.retries]), [[gone.number, 'waiting', 1]]);
  const states = (await studies.listTrials(study.id)).map((t) => [t.number, t.state]);
  assert.deepEqual(states, [[parent.number, 'running'], [remote.number, 'running'], [gone.number, 'waiting'], [3, 'waiting']]);
  assert.match((await studies.getTrial(gone.id))!.reason!, /left running by process \d+ .* which ended; restarted \(retry 1 of 2\)/);
  // a claim requeues orphans first, then takes the lowest waiting trial: the orphan itself
  const next = (await studies.claimTrial(study.id))!;
  assert.deepEqual([next.number, next.attempt], [gone.number, 2]);
}));

describeStores('study store: lost workers', (ctx) => {
  const withStudy = onBackend(ctx, { liveness: { heartbeatSeconds: 0.2, staleSeconds: 1, maxRetries: 1 } });
  const silence = (target: string, trialId: number, seconds: number) =>
    ctx.exec(target, 'UPDATE trials SET heartbeat_at = heartbeat_at - ? WHERE id = ?', [seconds, trialId]);

  test('a trial whose worker went silent past its lease is requeued before the next claim, then failed after max retries; every attempt is in its history', withStudy(async (store, def, target) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const a = (await studies.claimTrial(study.id, { pid: 1, host: 'machine-a' }))!;
    assert.equal(typeof a.heartbeatAt, 'number', 'a claim starts the lease');
    await studies.reportTrial(a.id, 1, at(10, 0.5)); // a rung result of the lost attempt, dropped with it
    assert.deepEqual((await studies.requeueOrphanedTrials(study.id)).map((t) => t.number), [], 'fresh: not lost');

    await silence(target, a.id, 60);
    const b = (await studies.claimTrial(study.id, { pid: 2, host: 'machine-b' }))!;
    assert.deepEqual([b.number, b.attempt], [0, 2], 'the lost trial is requeued and claimed again first');
    assert.equal(b.retries, 1);
    assert.deepEqual(await studies.listRungResults(study.id), [], "the lost attempt's rung results go");
    assert.equal((await studies.reportTrial(a.id, 1, at(11, 0.5))).action, 'lost', 'the silent worker, back, cannot report');

    await silence(target, b.id, 60);
    const c = (await studies.claimTrial(study.id, { pid: 3, host: 'machine-c' }))!;
    assert.equal(c.number, 1, 'lost again with max retries 1: failed, not requeued');
    const failed = (await studies.getTrial(a.id))!;
    assert.deepEqual([failed.state, failed.retries, failed.attempt], ['failed', 2, 2]);
    assert.match(failed.reason!, /went silent .*lost 2 times \(max retries 1\): failed/);
    const history = (await studies.listAttempts(study.id)).filter((h) => h.trialNumber === 0);
    assert.deepEqual(history.map((h) => [h.attempt, h.owner?.host, h.outcome]), [[1, 'machine-a', 'lost'], [2, 'machine-b', 'lost']]);
    assert.ok(history.every((h) => h.endedAt !== null && /went silent/.test(h.reason!)));
    const p = await studies.studyProgress(study.id);
    assert.deepEqual(p.counts, { waiting: 2, running: 1, stopped: 0, completed: 0, failed: 1 });
  }));

  test('the heartbeat of an attached attempt keeps it claimed; its history records the run and the end', withStudy(async (store, def) => {
    const studies = store.studies();
    const { study } = await studies.openStudy(def);
    const t = (await studies.claimTrial(study.id))!;
    const run = await store.beginRun({ experimentId: def.experimentId, optimiser: 'sgd', preset: 'trial-0', seed: 0, config: {}, backend: 'cpu', versions: {} });
    assert.equal(await studies.attachRun(t.id, 1, run.run.id), true);
    const first = (await studies.getTrial(t.id))!.heartbeatAt!;
    let now = first;
    for (let i = 0; i < 100 && now <= first + 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = (await studies.getTrial(t.id))!.heartbeatAt!;
    }
    assert.ok(now > first + 1, 'beats went on past the lease (1 s)');
    assert.deepEqual(await studies.requeueOrphanedTrials(study.id), [], 'a beating trial is not lost');
    assert.equal(await studies.finishTrial(t.id, 1, { state: 'completed', reason: 'done', last: at(50, 0.3) }), true);
    const [h] = await studies.listAttempts(study.id);
    assert.deepEqual([h.attempt, h.runId, h.outcome, h.reason], [1, run.run.id, 'completed', 'done']);
  }));
});

describeStores('study store: races', (ctx) => {
  test('workers racing for the last waiting trial: exactly one gets it, every time', async () => {
    const target = await ctx.target();
    const stores = await Promise.all(Array.from({ length: 4 }, () => ctx.open(target)));
    try {
      const experimentId = (await stores[0].findOrCreateExperiment('tune:race', {})).id;
      for (let round = 0; round < 15; round++) {
        const { study } = await stores[0].studies().openStudy({ name: `race-${round}`, experimentId, settings: { ...SETTINGS, samples: 1 }, configurations: [{ lr: 0.1 }] });
        const got = await Promise.all(stores.map((s, i) => s.studies().claimTrial(study.id, { pid: 1000 + i, host: 'racer' })));
        const winners = got.filter((t) => t !== null);
        assert.equal(winners.length, 1, `round ${round}: one claim won (${got.map((t) => t?.number ?? '-').join(' ')})`);
        assert.equal(winners[0]!.attempt, 1);
        assert.equal((await stores[0].studies().listAttempts(study.id)).length, 1, 'one attempt recorded');
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('workers opening one new study at once: it is created once, with its trials once', async () => {
    const target = await ctx.target();
    const stores = await Promise.all(Array.from({ length: 4 }, () => ctx.open(target)));
    try {
      const experimentId = (await stores[0].findOrCreateExperiment('tune:toy', {})).id;
      const def: StudyDefinition = { name: 'toy', experimentId, settings: SETTINGS, configurations: [0.1, 0.2, 0.3, 0.4].map((lr) => ({ lr })) };
      const opened = await Promise.all(stores.map((s) => s.studies().openStudy(def)));
      assert.deepEqual(opened.map((o) => o.kind).sort(), ['created', 'opened', 'opened', 'opened']);
      assert.equal(new Set(opened.map((o) => o.study.id)).size, 1);
      assert.equal((await stores[0].studies().listTrials(opened[0].study.id)).length, 4);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
