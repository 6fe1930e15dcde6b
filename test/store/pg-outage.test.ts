import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StudySettings } from '../../src/store/index.js';
import { describePostgres, localServer } from './backends.js';

const SETTINGS: StudySettings = {
  experiment: { name: 'toy', identity: {} },
  optimiser: 'sgd',
  space: { optimiser: 'sgd', params: [] },
  base: {},
  timeAttr: 'steps',
  budget: 100,
  grace: 10,
  reductionFactor: 2,
  samples: 3,
  seed: 0,
  metric: 'val_loss',
  mode: 'min',
  trialSeed: 0,
};

describePostgres('server outage', (ctx) => {
  test('the server stopped and started again: buffered metrics are written once each, reports and claims wait and go on, no lease runs out meanwhile', async () => {
    const server = await localServer();
    const target = await ctx.target();
    const warnings: string[] = [];
    const liveness = { heartbeatSeconds: 0.5, staleSeconds: 1.5, maxRetries: 2 };
    const store = await ctx.open(target, { liveness, retryMs: 60_000, onRetry: (m) => warnings.push(m) });
    try {
      const exp = await store.findOrCreateExperiment('tune:toy', {});
      const studies = store.studies();
      const { study } = await studies.openStudy({ name: 'toy', experimentId: exp.id, settings: SETTINGS, configurations: [{}, {}, {}] });
      const trial = (await studies.claimTrial(study.id))!;
      const run = await store.beginRun({ experimentId: exp.id, optimiser: 'sgd', preset: 'trial-0', seed: 0, config: {}, backend: 'cpu', versions: {} });
      assert.equal(run.action, 'start');
      assert.equal(await studies.attachRun(trial.id, 1, run.run.id), true);
      const w = await store.metricsWriter(run.run.id, { flushRows: 50, flushMs: 100 });
      const write = (from: number, to: number) => {
        for (let s = from; s < to; s++) w.writeStep({ step: s, epoch: 0, wallTime: s / 100, wallTimeExclEval: s / 100 }, { loss: 1 / (s + 1), val_loss: 2 / (s + 1) });
      };
      write(0, 200);
      await w.flush();

      server.stop(); // fast shutdown: every connection is dropped
      write(200, 500); // batches fail and are retried meanwhile; nothing waits for them
      const report = studies.reportTrial(trial.id, 1, { time: 10, value: 0.5, step: 10, wallTime: 0.1 }); // at a rung: needs the server
      const claim = studies.claimTrial(study.id);
      await sleep(2500); // longer than the lease: it must not count while the server is down
      server.start();
      assert.equal((await report).action, 'continue');
      const second = await claim;
      assert.equal(second?.number, 1, 'the claim went through once the server was back, and took the next trial');
      write(500, 600);
      await store.finishRun(run.run.id, { status: 'completed', steps: 600 });

      const series = await store.metricSeries(run.run.id, 'loss');
      assert.deepEqual(series.map((p) => p.step), Array.from({ length: 600 }, (_, i) => i), 'every step once, in order');
      assert.equal((await store.metricSeries(run.run.id, 'val_loss')).length, 600);
      assert.ok(warnings.some((m) => /unreachable .*retrying/.test(m)), `told of the outage: ${warnings.join(' | ')}`);
      // the heartbeat came back with the server: the first trial is still this worker's; the second,
      // claimed but never attached to a run (no heartbeat), is lost once its lease runs out
      const requeued: [number, string][] = [];
      const end = Date.now() + 30_000;
      while (!requeued.some(([n]) => n === 1) && Date.now() < end) {
        for (const x of await studies.requeueOrphanedTrials(study.id)) requeued.push([x.number, x.state]);
        await sleep(200);
      }
      assert.deepEqual(requeued, [[1, 'waiting']], 'only the unattached trial was lost');
      const t = (await studies.getTrial(trial.id))!;
      assert.deepEqual([t.state, t.attempt, t.retries], ['running', 1, 0]);
    } finally {
      await store.close();
    }
  });
});
