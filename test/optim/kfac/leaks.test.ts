import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { makeHvpProblem } from '../../../src/check/problem.js';
import { disposeBatch, toEngineBatch } from '../../../src/check/engine.js';
import { modelObjective } from '../../../src/autodiff/model-objective.js';
import { disposeLayerStatistics, type FisherLabels } from '../../../src/autodiff/layer-statistics.js';
import { KfacCurvature } from '../../../src/optim/kfac/curvature.js';
import { fisherSeed, kfacDirection } from '../../../src/optim/kfac/direction.js';

/** No tensor leaks: the count is flat over many statistics / inverses / precondition rounds. */

for (const backend of ['cpu', 'wasm']) {
  for (const model of ['uci-mlp', 'small-convnet']) {
    test(`${backend}: ${model}: tensor count flat over 40 KFAC rounds (statistics, inverses, precondition, GGN products)`, async () => {
      await initBackend(backend, { tapeGradients: false });
      const p = makeHvpProblem(model, 8, { directions: 1 });
      const batch = toEngineBatch(p.def, p.batch);
      const params = tf.tensor1d(p.params);
      const v = tf.tensor1d(p.directions[0]);
      // host leaves of 4: the backend inverse path too
      const curv = new KfacCurvature(p.def.spec, { ema: 0.95, inverseUpdatePeriod: 3, hostInverseMaxSize: 4 });
      const round = async (i: number, objective: ReturnType<typeof modelObjective>) => {
        const labels: FisherLabels = i % 2 === 0 ? { labels: 'sampled', seed: i } : { labels: 'data' };
        const stats = await objective.layerStatistics(labels);
        curv.updateStatistics(stats);
        disposeLayerStatistics(stats);
        await curv.maybeUpdateInverses(i, 1e-2);
        const grad = objective.grad();
        tf.dispose([grad, curv.precondition(grad, 1e-2), objective.gaussNewtonProduct(v)]);
        tf.dispose(await kfacDirection(objective, curv, { step: i, damping: 1e-2, seed: fisherSeed(1, i) }));
      };
      const first = modelObjective(p.def, params, batch);
      await round(0, first);
      first.dispose();
      const before = tf.memory().numTensors;
      for (let i = 1; i <= 40; i++) {
        const objective = modelObjective(p.def, params, batch);
        await round(i, objective);
        objective.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'KFAC rounds leaked tensors');
      curv.dispose();
      tf.dispose([params, v]);
      disposeBatch(batch);
    });
  }
}
