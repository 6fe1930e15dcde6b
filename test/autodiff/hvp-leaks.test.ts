import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { makeHvpProblem } from '../../src/check/problem.js';

/** No tensor leaks: the tensor count is flat over 200 HVPs, and over objectives made and freed. */

for (const backend of ['cpu', 'wasm']) {
  for (const model of ['uci-mlp', 'small-convnet']) {
    test(`${backend}: ${model}: tensor count flat over 200 HVPs and 20 objectives`, async () => {
      await initBackend(backend, { tapeGradients: false });
      const p = makeHvpProblem(model, 41, { directions: 1 });
      const batch = toEngineBatch(p.def, p.batch);
      const params = tf.tensor1d(p.params);
      const v = tf.tensor1d(p.directions[0]);
      const objective = modelObjective(p.def, params, batch);
      tf.dispose(objective.hvp(v)); // the first product caches the forward and backward passes
      const before = tf.memory().numTensors;
      for (let i = 0; i < 200; i++) {
        const hv = objective.hvp(v);
        if (i % 50 === 0) await hv.data(); // flush the queue now and then, as a training loop would
        hv.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'HVPs leaked tensors');
      objective.dispose();
      const afterObjective = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        const o = modelObjective(p.def, params, batch);
        const { loss, grad } = o.lossAndGrad();
        tf.dispose([loss, grad, o.hvp(v)]);
        o.dispose();
      }
      assert.equal(tf.memory().numTensors, afterObjective, 'objectives leaked tensors');
      tf.dispose([params, v]);
      disposeBatch(batch);
    });
  }
}
