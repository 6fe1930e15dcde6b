import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelByName } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import { modelObjective, type BatchNormStatistics } from '../../src/autodiff/model-objective.js';
import { ParamTable } from '../../src/autodiff/param-table.js';
import { predict, type BatchNormRunning } from '../../src/autodiff/forward-pass.js';
import { rowLosses } from '../../src/autodiff/layers/loss.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { BatchNormAverages } from '../../src/train/batchnorm-averages.js';
import { runBatches } from '../../src/train/schedule.js';
import { train } from '../../src/train/loop.js';
import type { StepRecord } from '../../src/train/types.js';
import { randomImageDataset } from './helpers.js';

before(async () => {
  await initBackend('wasm');
});

const model = modelByName('small-convnet');

/** keeps the parameters as they are, so every step sees the same network */
const frozen: Optimizer<null> = {
  name: 'frozen',
  init: () => null,
  step: async (_objective, params) => ({ params: params.clone(), state: null, info: {} }),
  dispose: () => {},
};

function stats(values: Record<string, [number[], number[]]>): BatchNormStatistics {
  return new Map(Object.entries(values).map(([k, [m, v]]) => [k, { mean: tf.tensor1d(m), variance: tf.tensor1d(v) }]));
}

async function read(running: BatchNormRunning, state: string): Promise<{ mean: number[]; variance: number[] }> {
  const r = running.get(state)!;
  return { mean: Array.from(await r.mean.data()), variance: Array.from(await r.variance.data()) };
}

function close(got: number[], want: number[], tol = 1e-5): void {
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `index ${i}: ${g} vs ${want[i]}`));
}

test('running averages: decay 0.9 with zero debiasing, by hand', async () => {
  const bn = new BatchNormAverages(model.spec);
  assert.ok(bn.active);
  const zero = await read(bn.averages(), 'bn0');
  assert.deepEqual(zero, { mean: [0, 0, 0, 0], variance: [0, 0, 0, 0] }, 'zeros before any update, as Haiku');
  const batches = [
    { bn0: [[1, 2, 3, 4], [1, 1, 1, 1]], bn1: [[0, 0, 0, 0], [2, 2, 2, 2]] },
    { bn0: [[3, 2, 1, 0], [5, 1, 1, 1]], bn1: [[1, 1, 1, 1], [2, 2, 2, 2]] },
    { bn0: [[-1, 0, 1, 10], [1, 3, 1, 2]], bn1: [[2, 2, 2, 2], [2, 2, 2, 2]] },
  ] as Record<string, [number[], number[]]>[];
  const expectMean: number[][] = [
    // after 1: the first value exactly
    [1, 2, 3, 4],
    // after 2: (0.9 * 0.1 v1 + 0.1 v2) / (1 - 0.81)
    [(0.09 * 1 + 0.1 * 3) / 0.19, (0.09 * 2 + 0.1 * 2) / 0.19, (0.09 * 3 + 0.1 * 1) / 0.19, (0.09 * 4 + 0) / 0.19],
    // after 3: (0.081 v1 + 0.09 v2 + 0.1 v3) / (1 - 0.729)
    [(0.081 * 1 + 0.09 * 3 - 0.1) / 0.271, (0.081 * 2 + 0.09 * 2 + 0) / 0.271, (0.081 * 3 + 0.09 + 0.1) / 0.271, (0.081 * 4 + 0 + 1) / 0.271],
  ];
  const expectVar0 = [1, (0.09 * 1 + 0.1 * 5) / 0.19, (0.081 * 1 + 0.09 * 5 + 0.1 * 1) / 0.271];
  for (let i = 0; i < 3; i++) {
    const s = stats(batches[i]);
    bn.update(s);
    for (const v of s.values()) tf.dispose([v.mean, v.variance]);
    const running = bn.averages();
    const bn0 = await read(running, 'bn0');
    const bn1 = await read(running, 'bn1');
    close(bn0.mean, expectMean[i]);
    close([bn0.variance[0]], [expectVar0[i]]);
    close(bn1.variance, [2, 2, 2, 2], 1e-6); // a constant statistic stays exactly itself after debiasing
    for (const r of running.values()) tf.dispose([r.mean, r.variance]);
  }
  assert.equal(bn.count, 3);
  const count = tf.memory().numTensors;
  bn.dispose();
  assert.equal(tf.memory().numTensors, count - 4);
});

test('full batch with frozen weights: evaluation mode on the training rows reproduces the training loss', async () => {
  const ds = randomImageDataset(11);
  const same = { ...ds, val: ds.train, test: ds.train };
  const steps: StepRecord[] = [];
  await train({ dataset: same, model, optimizer: frozen, seed: 0, epochs: 3, batchSize: 'full', onStep: (r) => steps.push(r) });
  assert.equal(steps.length, 3);
  for (const s of steps) {
    // the debiased average of a constant batch statistic is that statistic, so eval mode = train mode
    assert.ok(Math.abs(s.valLoss! - s.trainLoss) < 1e-5, `step ${s.step}: eval ${s.valLoss} vs train ${s.trainLoss}`);
    assert.ok(s.valAccuracy! >= 0 && s.valAccuracy! <= 1);
  }
});

test('minibatches: the loop evaluates with the debiased EMA of each step\'s batch statistics', async () => {
  const ds = randomImageDataset(5);
  const batchSize = 10;
  const steps: StepRecord[] = [];
  await train({ dataset: ds, model, optimizer: frozen, seed: 7, epochs: 2, batchSize, onStep: (r) => steps.push(r) });

  // recompute independently: batch statistics of the same batches, float64 EMA, evaluation forward pass
  const params = tf.tensor1d(initParams(model.spec, 7));
  const hidden = new Map<string, { mean: Float64Array; variance: Float64Array }>();
  let count = 0;
  const expected: number[] = [];
  for (const { batch } of runBatches(ds.train, { batchSize, seed: 7, padding: 'reference' }, 2)) {
    const b = {
      x: tf.tensor(batch.x, [batch.rows, 9, 9, 2]),
      targets: tf.tensor(batch.y, [batch.rows]),
      mask: tf.tensor1d(batch.mask),
    };
    const objective = modelObjective(model, params, b);
    const s = objective.batchNormStatistics();
    count++;
    for (const [state, { mean, variance }] of s) {
      const m = Float64Array.from(await mean.data());
      const v = Float64Array.from(await variance.data());
      const h = hidden.get(state) ?? { mean: new Float64Array(m.length), variance: new Float64Array(v.length) };
      for (let i = 0; i < m.length; i++) {
        h.mean[i] = 0.9 * h.mean[i] + 0.1 * m[i];
        h.variance[i] = 0.9 * h.variance[i] + 0.1 * v[i];
      }
      hidden.set(state, h);
      tf.dispose([mean, variance]);
    }
    objective.dispose();
    tf.dispose([b.x, b.targets, b.mask]);
    const debias = 1 / (1 - 0.9 ** count);
    const running: BatchNormRunning = new Map(
      [...hidden].map(([k, h]) => [k, { mean: tf.tensor1d(Float32Array.from(h.mean, (x) => x * debias)), variance: tf.tensor1d(Float32Array.from(h.variance, (x) => x * debias)) }]),
    );
    const table = new ParamTable(model.spec, params);
    const loss = tf.tidy(() => {
      const out = predict(model.spec, table, tf.tensor(ds.val.x, [ds.val.rows, 9, 9, 2]), running);
      return tf.mean(rowLosses('ce', out, tf.tensor(ds.val.y)).rows);
    });
    expected.push((await loss.data())[0]);
    tf.dispose([loss, ...[...running.values()].flatMap((r) => [r.mean, r.variance])]);
    table.dispose();
  }
  params.dispose();
  assert.equal(steps.length, expected.length);
  assert.ok(expected.length >= 8, `${expected.length} steps`);
  // the running averages change from step to step, and so does the evaluation loss
  assert.ok(new Set(expected.map((x) => x.toFixed(6))).size > 1);
  steps.forEach((s, i) => assert.ok(Math.abs(s.valLoss! - expected[i]) < 1e-4, `step ${s.step}: ${s.valLoss} vs ${expected[i]}`));
});
