import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord, Store, StudySettings, StudyStore, TrialLink } from '../../src/store/index.js';
import { describeStores, type StoreContext } from '../store/backends.js';
import type { JobOutcome } from '../../src/train/job.js';
import type { StepRecord } from '../../src/train/types.js';
import { timeOf, trialHooks } from '../../src/tune/trial-hooks.js';

const SETTINGS: StudySettings = {
  experiment: { name: 'toy', identity: {} },
  optimiser: 'sgd',
  space: { optimiser: 'sgd', params: [] },
  base: {},
  timeAttr: 'epochs',
  budget: 10,
  grace: 2,
  reductionFactor: 2,
  samples: 3,
  seed: 0,
  metric: 'val_loss',
  mode: 'min',
  trialSeed: 0,
};

const step = (n: number, valLoss?: number): StepRecord => ({ step: n, epoch: Math.floor((n - 1) / 4), wallTime: n / 10, wallTimeExclEval: n / 20, trainLoss: 1, valLoss, info: {} });

function setUp(ctx: StoreContext, fn: (c: { store: Store; link: () => Promise<TrialLink>; run: () => Promise<RunRecord> }) => Promise<void>) {
  return async () => {
    const store = await ctx.open();
    try {
      const experimentId = (await store.findOrCreateExperiment('tune:toy', {})).id;
      const { study } = await store.studies().openStudy({ name: 'toy', experimentId, settings: SETTINGS, configurations: [{}, {}, {}] });
      let seed = 0;
      await fn({
        store,
        link: async () => {
          const t = (await store.studies().claimTrial(study.id))!;
          return { studyId: study.id, study: 'toy', trialId: t.id, number: t.number, attempt: t.attempt, timeAttr: 'epochs', metric: 'val_loss', stepsPerEpoch: 4 };
        },
        run: async () => {
          const b = await store.beginRun({ experimentId, optimiser: 'sgd', preset: null, seed: seed++, config: {}, backend: 'cpu', versions: {} });
          assert.equal(b.action, 'start');
          return b.run;
        },
      });
    } finally {
      await store.close();
    }
  };
}

test('the time attribute of a step: seconds, steps or epochs done', () => {
  const r = step(6);
  assert.equal(timeOf(r, { timeAttr: 'time', stepsPerEpoch: 4 }), 0.6);
  assert.equal(timeOf(r, { timeAttr: 'steps', stepsPerEpoch: 4 }), 6);
  assert.equal(timeOf(r, { timeAttr: 'epochs', stepsPerEpoch: 4 }), 1.5);
});

describeStores('trial hooks', (ctx) => {
  test('a trial attempt reports measured steps only, and ends as its run ended', setUp(ctx, async ({ store, link, run }) => {
    const studies = store.studies();
    // trained to its end before the budget: completed, its last result recorded at its highest unrecorded rung
    const a = await link();
    const hooks = trialHooks(studies, a);
    const r = await run();
    await hooks.started!(r);
    assert.equal((await studies.getTrial(a.trialId))!.runId, r.id);
    assert.equal(await hooks.shouldStop!(step(8)), false, 'no validation loss at this step: nothing to report');
    assert.equal(await hooks.shouldStop!(step(9, 0.5)), false); // 2.25 epochs: rung 0, empty
    assert.equal(await hooks.shouldStop!(step(20, 0.4)), false); // 5 epochs: rung 1 (4 epochs), empty
    await hooks.ended!({ kind: 'finished', run: r, stopReason: 'epochs' } as JobOutcome, null);
    const done = (await studies.getTrial(a.trialId))!;
    assert.deepEqual([done.state, done.reason, done.lastValue, done.lastTime], ['completed', 'trained to its end (epochs)', 0.4, 5]);
    assert.equal(hooks.abandoned!(), null);

    // diverged: stopped, with the run's error as the reason
    const b = await link();
    const hb = trialHooks(studies, b);
    await hb.ended!({ kind: 'finished', run: { ...(await run()), error: 'diverged: training loss NaN at step 3' }, stopReason: 'diverged' } as JobOutcome, null);
    assert.deepEqual([(await studies.getTrial(b.trialId))!.state, (await studies.getTrial(b.trialId))!.reason], ['stopped', 'diverged: training loss NaN at step 3']);

    // interrupted: back to waiting for the next attempt
    const c = await link();
    const hc = trialHooks(studies, c);
    await hc.ended!({ kind: 'interrupted', run: { ...(await run()), steps: 7 } } as JobOutcome, null);
    const waiting = (await studies.getTrial(c.trialId))!;
    assert.deepEqual([waiting.state, waiting.reason], ['waiting', 'attempt 1 interrupted after 7 steps; it restarts when the study resumes']);
  }));

  test('an attempt taken from its worker stops, leaves its run interrupted and does not touch the trial again', setUp(ctx, async ({ store, link }) => {
    const studies = store.studies();
    const a = await link();
    const hooks = trialHooks(studies, a);
    assert.equal(await studies.requeueTrial(a.trialId, a.attempt, 'taken'), true);
    const again = await link(); // the same trial, attempt 2, claimed elsewhere
    assert.deepEqual([again.trialId, again.attempt], [a.trialId, 2]);
    assert.equal(await hooks.shouldStop!(step(1, 0.3)), true);
    assert.match(hooks.abandoned!() ?? '', /is no longer held by this worker \(now running, attempt 2\)/);
    await hooks.ended!({ kind: 'interrupted', run: {} as RunRecord } as JobOutcome, null);
    const t = (await studies.getTrial(a.trialId))!;
    assert.deepEqual([t.state, t.attempt], ['running', 2], 'the new attempt is left alone');
    await assert.rejects(hooks.started!({ id: 1 } as RunRecord), /is no longer held by this process/);
  }));

  test('between rungs the hooks answer "continue" without the store; rungs, the budget and a non-finite loss still reach it', setUp(ctx, async ({ store, link }) => {
    const studies = store.studies();
    const asked: number[] = [];
    const counting: StudyStore = Object.assign(Object.create(studies) as StudyStore, {
      reportTrial: (...a: Parameters<StudyStore['reportTrial']>) => {
        asked.push(a[2].step);
        return studies.reportTrial(...a);
      },
    });
    // rungs at 2, 4 and 8 epochs, max_t 10 epochs, 4 steps an epoch; the only trial: every rung empty
    const a = await link();
    const hooks = trialHooks(counting, a);
    const stops: number[] = [];
    for (let n = 1; n <= 40; n++) if (await hooks.shouldStop!(step(n, 1 / n))) stops.push(n);
    assert.deepEqual(asked, [1, 8, 16, 32, 40], 'the first report, one per rung, the budget');
    assert.deepEqual(stops, [40]);
    const t = (await studies.getTrial(a.trialId))!;
    assert.deepEqual([t.state, t.lastTime], ['completed', 10]);
    assert.deepEqual((await studies.listRungResults(a.studyId)).filter((r) => r.trialId === a.trialId).map((r) => r.rung), [0, 1, 2]);

    // a non-finite loss goes to the store at once and stops the trial
    asked.length = 0;
    const b = await link();
    const hb = trialHooks(counting, b);
    assert.equal(await hb.shouldStop!(step(1, 0.5)), false);
    assert.equal(await hb.shouldStop!(step(2, 0.4)), false);
    assert.equal(await hb.shouldStop!(step(3, NaN)), true);
    assert.deepEqual(asked, [1, 3]);
    assert.equal((await studies.getTrial(b.trialId))!.state, 'stopped');
  }));
});
