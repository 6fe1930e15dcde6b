import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { loadExperiment, refuseUnimplemented } from '../../../src/config/index.js';
import { makeHvpProblem } from '../../../src/check/problem.js';
import { disposeBatch, toEngineBatch } from '../../../src/check/engine.js';
import { modelObjective } from '../../../src/autodiff/model-objective.js';
import { modelByName, MODEL_NAMES } from '../../../src/models/zoo.js';
import { parameterCount } from '../../../src/models/spec.js';
import { createOptimizer, descriptorOf } from '../../../src/optim/registry.js';
import { unmetNeed } from '../../../src/optim/descriptor.js';
import { KfacCurvature } from '../../../src/optim/kfac/curvature.js';
import { train } from '../../../src/train/loop.js';
import type { Optimizer } from '../../../src/optim/optimizer.js';
import { randomImageDataset, uciEnergy } from '../../train/helpers.js';

/**
 * Both KFAC optimisers as a run uses them: from every shipped config's entry, on the built-in
 * models (dense, conv, batch norm), through the training loop; no tensor leaks over many steps.
 */
before(async () => {
  await initBackend('wasm');
});

const CONFIGS = ['uci-energy', 'fashion-mnist', 'svhn', 'cifar10'];
const KFAC = ['kfac-deepmind', 'kfac-kazuki'];

/** the entry of a shipped config */
function entry(config: string, name: string) {
  const spec = loadExperiment(path.join('configs', `${config}.yaml`));
  const found = spec.optimisers.find((o) => o.name === name);
  assert.ok(found, `${config}.yaml has no ${name} entry`);
  return { spec, entry: found };
}

test('every shipped config lists both KFAC optimisers with its tuned values; they are implemented and their needs met', () => {
  for (const config of CONFIGS) {
    for (const name of KFAC) {
      const { spec, entry: e } = entry(config, name);
      assert.doesNotThrow(() => refuseUnimplemented({ ...spec, optimisers: [e] }));
      assert.equal(typeof (e.hyperparameters as { damping?: number }).damping, 'number', `${config} ${name}: damping`);
      const model = modelByName(spec.model);
      assert.equal(unmetNeed(descriptorOf(name)!, { parameterCount: parameterCount(model.spec) }, e.hyperparameters), null, `${config} ${name}: needs`);
      const optimizer = createOptimizer(e, { parameterCount: parameterCount(model.spec), seed: 0 });
      assert.equal(optimizer.name, name);
    }
  }
});

test('the layer statistics cover every parameter of every built-in model with a dense, conv or batch-norm block', () => {
  for (const name of MODEL_NAMES) {
    const curvature = new KfacCurvature(modelByName(name).spec, { ema: 0 });
    assert.deepEqual(curvature.otherParams, [], `${name}: parameters left to the diagonal block`);
    curvature.dispose();
  }
});

/** `steps` steps on one fixed batch; the tensor count after the second step and after the last */
async function tensorCounts(optimizer: Optimizer, model: string, steps: number): Promise<[number, number]> {
  const p = makeHvpProblem(model, 8, { directions: 0 });
  const batch = toEngineBatch(p.def, p.batch);
  let params = tf.tensor1d(p.params);
  let state = optimizer.init(params);
  let second = 0;
  for (let t = 0; t < steps; t++) {
    const objective = modelObjective(p.def, params, batch, { checkFinite: false });
    const r = await optimizer.step(objective, params, state);
    objective.dispose();
    params.dispose();
    ({ params, state } = r);
    if (t === 1) second = tf.memory().numTensors;
  }
  const last = tf.memory().numTensors;
  optimizer.dispose(state);
  params.dispose();
  disposeBatch(batch);
  return [second, last];
}

for (const name of KFAC) {
  test(`${name}: the tensor count is flat over 25 steps (UCI MLP and the small conv net with batch norm)`, async () => {
    const hp = name === 'kfac-deepmind' ? { damping: 0.1, curvatureEma: 0.95, inverseUpdatePeriod: 3 } : { lr: 0.05, momentum: 0.5, damping: 0.1, curvatureEma: 0 };
    for (const model of ['uci-mlp', 'small-convnet']) {
      const before = tf.memory().numTensors;
      const hyperparameters = descriptorOf(name)!.schema.parse(hp) as never;
      const optimizer = createOptimizer({ name: name as 'kfac-deepmind', hyperparameters }, { parameterCount: parameterCount(modelByName(model).spec), seed: 3 });
      const [second, last] = await tensorCounts(optimizer, model, 25);
      assert.equal(last, second, `${model}: tensors leaked between steps`);
      assert.equal(tf.memory().numTensors, before, `${model}: tensors left after dispose`);
    }
  });
}

test('both train a few steps through the training loop with the shipped tuned values: UCI MLP (full batch) and the small conv net', async () => {
  const uci = await uciEnergy();
  for (const name of KFAC) {
    const { spec, entry: e } = entry('uci-energy', name);
    const model = modelByName(spec.model);
    const optimizer = createOptimizer(e, { parameterCount: parameterCount(model.spec), seed: 1 });
    const result = await train({ dataset: uci, model, optimizer, seed: 1, epochs: 3, batchSize: 'full', evalInterval: 1 });
    assert.equal(result.stopReason, 'epochs', `${name} on UCI: ${result.divergence ?? ''}`);
    assert.equal(result.steps, 3);
    assert.ok(result.last!.trainLoss > 0 && Number.isFinite(result.last!.valLoss!));
    // the fashion-mnist entry's values on the conv net (batch norm and conv blocks), in batches of 16
    const images = randomImageDataset(4);
    const conv = modelByName('small-convnet', 3);
    const fm = entry('fashion-mnist', name).entry;
    const convOptimizer = createOptimizer(fm, { parameterCount: parameterCount(conv.spec), seed: 2 });
    const convResult = await train({ dataset: images, model: conv, optimizer: convOptimizer, seed: 2, epochs: 1, batchSize: 16, evalInterval: 1 });
    assert.equal(convResult.stopReason, 'epochs', `${name} on the conv net: ${convResult.divergence ?? ''}`);
    assert.equal(convResult.steps, 3);
    assert.ok(Number.isFinite(convResult.last!.trainLoss));
  }
});
