import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { HYPERPARAMETER_SCHEMAS, type OptimiserName } from '../../src/config/hyperparameters.js';
import { modelObjective, type Batch } from '../../src/autodiff/model-objective.js';
import { modelByName } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { uciEnergy } from '../train/helpers.js';

/**
 * A few hundred full-batch steps of the series optimisers on the paper's UCI Energy MLP (real data
 * from ../shared/datasets) reduce the training loss well below its start. K is kept small so the
 * file runs in seconds (each step costs 2(K-1) curvature products).
 */
before(async () => {
  await initBackend('wasm');
});

const model = modelByName('uci-mlp');

async function fullBatch(): Promise<Batch> {
  const d = await uciEnergy();
  return {
    x: tf.tensor2d(d.train.x, [d.train.rows, 8]),
    targets: tf.tensor2d(d.train.y, [d.train.rows, 1]),
    mask: tf.ones([d.train.rows]) as tf.Tensor1D,
  };
}

async function train(name: OptimiserName, hp: Record<string, unknown>, steps: number, batch: Batch) {
  const opt = createOptimizer({ name, hyperparameters: HYPERPARAMETER_SCHEMAS[name].parse(hp) }, { parameterCount: 1057, seed: 0 });
  let params = tf.tensor1d(initParams(model.spec, 0));
  let state = opt.init(params);
  const losses: number[] = [];
  const tensors: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const objective = modelObjective(model, params, batch, { checkFinite: false });
      try {
        const loss = objective.loss();
        losses.push(loss.dataSync()[0]);
        loss.dispose();
        const r = await opt.step(objective, params, state);
        params.dispose();
        params = r.params;
        state = r.state;
      } finally {
        objective.dispose();
      }
      tensors.push(tf.memory().numTensors);
    }
  } finally {
    opt.dispose(state);
    params.dispose();
  }
  return { losses, tensors };
}

test('ours and ours-adaptive (both compat modes) train the UCI Energy MLP', async () => {
  const batch = await fullBatch();
  const runs: [OptimiserName, Record<string, unknown>][] = [
    ['ours', { K: 3, N: 1, lr: 1.58, momentum: 0.2299, damping: 0.06407, compat: 'reference' }],
    ['ours', { K: 3, N: 1, lr: 1.58, momentum: 0.2299, damping: 0.06407, compat: 'exact', accelerator: 'sablonniere' }],
    ['ours-adaptive', { K: 3, N: 1, damping: 2.322e-3, compat: 'reference' }],
    ['ours-adaptive', { K: 3, N: 1, damping: 2.322e-3, compat: 'exact', accelerator: 'sablonniere' }],
  ];
  for (const [name, hp] of runs) {
    const { losses, tensors } = await train(name, hp, 100, batch);
    const label = `${name} (${String(hp.compat)})`;
    
    assert.ok(losses.every(Number.isFinite), `${label}: finite losses`);
    const last = Math.min(...losses.slice(-10));
    assert.ok(last < 0.15 * losses[0], `${label}: loss ${losses[0]} -> ${last}`);
    assert.ok(tensors.slice(2).every((t) => t === tensors[2]), `${label}: tensor count flat (${tensors[2]} .. ${tensors[tensors.length - 1]})`);
  }
  tf.dispose([batch.x, batch.targets, batch.mask]);
});
