import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { HYPERPARAMETER_SCHEMAS } from '../../../src/config/hyperparameters.js';
import { modelObjective, type Batch } from '../../../src/autodiff/model-objective.js';
import { modelByName, type ModelDef } from '../../../src/models/zoo.js';
import { initParams } from '../../../src/models/init.js';
import { parameterCount } from '../../../src/models/spec.js';
import { Rng } from '../../../src/util/random.js';
import {
  LBFGS_HISTORY_BYTE_LIMIT,
  checkLbfgsModelSize,
  lbfgs,
  lbfgsHistoryBytes,
  type LbfgsFactoryOptions,
  type PointObjective,
} from '../../../src/optim/lbfgs/optimizer.js';

/**
 * The Optimizer adapter on the paper's UCI MLP (1,057 parameters) with random data made here:
 * one inner L-BFGS run per step, losses fall, the tensor count stays flat, info is complete.
 */
before(async () => {
  await initBackend('wasm');
});

const model = modelByName('uci-mlp');
const hp = HYPERPARAMETER_SCHEMAS.lbfgs.parse({});

function randomBatch(def: ModelDef, rows: number, seed: number): Batch {
  const rng = new Rng(seed);
  const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor2d(Float32Array.from({ length: rows * inSize }, () => rng.normal()), [rows, inSize]);
  // a smooth target of the inputs, so the loss can fall far
  const xs = x.arraySync();
  const targets = tf.tensor2d(xs.map((r) => [Math.tanh(r[0] - 0.5 * r[1]) + 0.3 * r[2]]));
  return { x, targets, mask: tf.ones([rows]) as tf.Tensor1D };
}

/** the trainer's Objective plus `at`: a fresh model objective at other parameters, same batch */
function pointObjective(def: ModelDef, params: tf.Tensor1D, batch: Batch) {
  const objective = modelObjective(def, params, batch, { checkFinite: false });
  const at = (p: tf.Tensor1D) => {
    const other = modelObjective(def, p, batch, { checkFinite: false });
    try {
      return other.lossAndGrad();
    } finally {
      other.dispose();
    }
  };
  return Object.assign(objective, { at }) as typeof objective & PointObjective;
}

async function train(steps: number, options: LbfgsFactoryOptions, batches: Batch[]) {
  const opt = lbfgs(hp, options);
  let params = tf.tensor1d(initParams(model.spec, 3));
  let state = opt.init(params);
  const infos: Record<string, number>[] = [];
  const startLosses: number[] = [];
  const tensors: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const batch = batches[i % batches.length];
      const objective = pointObjective(model, params, batch);
      try {
        const loss = objective.loss();
        startLosses.push((await loss.data())[0]);
        loss.dispose();
        const r = await opt.step(objective, params, state);
        params.dispose();
        params = r.params;
        state = r.state;
        infos.push(r.info);
      } finally {
        objective.dispose();
      }
      tensors.push(tf.memory().numTensors);
    }
  } finally {
    opt.dispose(state);
    params.dispose();
  }
  return { infos, startLosses, tensors };
}

for (const history of ['host', 'device'] as const) {
  test(`full batch, history on the ${history}: the loss falls, info is complete, the tensor count stays flat`, async () => {
    const before = tf.memory().numTensors;
    const batch = randomBatch(model, 128, 1);
    const { infos, startLosses, tensors } = await train(15, { history }, [batch]);
    const first = startLosses[0];
    const last = infos.at(-1)!.finalLoss;
    assert.ok(last < 0.2 * first, `loss ${first} -> ${last}`);
    for (const [i, info] of infos.entries()) {
      assert.deepEqual(Object.keys(info).sort(), ['converged', 'evaluations', 'finalLoss', 'gamma', 'iterations', 'lineSearchFailed', 'status'], `step ${i + 1}`);
      assert.ok(info.iterations >= 1 && info.iterations <= hp.maxIterations + 1, `step ${i + 1}: ${info.iterations} iterations`);
      assert.ok(Number.isFinite(info.finalLoss));
      // full batch: the next step starts where this one ended, with the same loss
      if (i + 1 < infos.length) assert.ok(Math.abs(startLosses[i + 1] - info.finalLoss) <= 1e-6 * info.finalLoss, `step ${i + 2} starts at ${startLosses[i + 1]}, step ${i + 1} ended at ${info.finalLoss}`);
    }
    assert.ok(infos.some((info) => info.status !== 0 || info.iterations > 1));
    // flat after the first step (its state's history and carried gradient stay allocated)
    assert.ok(tensors.slice(1).every((n) => n === tensors[1]), `tensor counts ${tensors.join(' ')}`);
    tf.dispose([batch.x, batch.targets, batch.mask]);
    assert.equal(tf.memory().numTensors, before);
  });
}

test('host and device histories take the same first step to float32 accuracy', async () => {
  const batch = randomBatch(model, 64, 2);
  const host = await train(1, { history: 'host' }, [batch]);
  const device = await train(1, { history: 'device' }, [batch]);
  assert.equal(host.infos[0].iterations, device.infos[0].iterations);
  const [a, b] = [host.infos[0].finalLoss, device.infos[0].finalLoss];
  assert.ok(Math.abs(a - b) <= 1e-3 * a, `host ${a}, device ${b}`);
  tf.dispose([batch.x, batch.targets, batch.mask]);
});

test('exact mode on minibatches: every run re-evaluates its start on its own batch; losses fall, tensor count flat', async () => {
  const batches = [randomBatch(model, 64, 5), randomBatch(model, 64, 6), randomBatch(model, 64, 7)];
  const { infos, startLosses, tensors } = await train(12, { compat: 'exact' }, batches);
  assert.ok(startLosses.at(-1)! < 0.5 * startLosses[0], `losses ${startLosses.join(' ')}`);
  for (const info of infos) {
    assert.ok(info.iterations <= hp.maxIterations && info.evaluations <= hp.maxEvaluations, JSON.stringify(info));
  }
  assert.ok(tensors.slice(1).every((n) => n === tensors[1]), `tensor counts ${tensors.join(' ')}`);
  for (const b of batches) tf.dispose([b.x, b.targets, b.mask]);
});

test('an Objective without `at` is refused with a clear error', async () => {
  const batch = randomBatch(model, 16, 3);
  const opt = lbfgs(hp);
  const params = tf.tensor1d(initParams(model.spec, 0));
  const state = opt.init(params);
  const objective = modelObjective(model, params, batch, { checkFinite: false });
  try {
    // an objective written by hand with everything but `at`
    const withoutAt = {
      size: objective.size,
      loss: () => objective.loss(),
      grad: () => objective.grad(),
      lossAndGrad: () => objective.lossAndGrad(),
      hvp: (v: tf.Tensor1D) => objective.hvp(v),
      hvpBatch: (vs: tf.Tensor2D) => objective.hvpBatch(vs),
      hessian: () => objective.hessian(),
    };
    await assert.rejects(opt.step(withoutAt as unknown as PointObjective, params, state), /lbfgs needs the loss and gradient of the batch at other parameters \(Objective\.at\)/);
  } finally {
    objective.dispose();
    opt.dispose(state);
    tf.dispose([params, batch.x, batch.targets, batch.mask]);
  }
});

test('models whose history would not fit are refused with the numbers and the fix', () => {
  const resnet = parameterCount(modelByName('resnet18').spec);
  assert.ok(lbfgsHistoryBytes(resnet, hp) > LBFGS_HISTORY_BYTE_LIMIT);
  assert.throws(() => checkLbfgsModelSize(resnet, hp), /lbfgs: a history of 20 pairs for 11,\d{3},\d{3} parameters needs 1\.\d\d GiB, above the 1 GiB limit; lower historySize or maxIterations \(reference mode keeps min of the two\) to \d+ or less/);
  assert.throws(() => checkLbfgsModelSize(resnet, hp, 'exact'), /a history of 100 pairs .* lower historySize to \d+ or less/);
  // the paper's models that fit: UCI MLP and Fashion-MNIST MLP
  checkLbfgsModelSize(1057, hp);
  checkLbfgsModelSize(parameterCount(modelByName('fmnist-mlp').spec), hp, 'exact');
  assert.throws(() => lbfgs(hp).init(tf.zeros([resnet]) as tf.Tensor1D), /lbfgs: a history of 20 pairs/);
});
