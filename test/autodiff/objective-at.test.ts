import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { tapeObjective } from '../../src/autodiff/tape-objective.js';
import { countingEvaluations } from '../../src/autodiff/objective.js';
import { modelByName } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import { Rng } from '../../src/util/random.js';

/**
 * Objective.at(params): loss and gradient of the same batch at other parameters equal those of an
 * Objective built at those parameters (batch-norm layers use the new point's batch statistics, as in
 * a step); the caller owns both tensors; nothing else changes.
 */
before(async () => {
  await initBackend('cpu');
});

const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

test('modelObjective.at: the small conv net (batch norm) on one batch, equal to the objective built there', () => {
  const model = modelByName('small-convnet');
  const rng = new Rng(4);
  const rows = 5;
  const batch = {
    x: tf.tensor(Array.from({ length: rows * 9 * 9 * 2 }, () => rng.normal()), [rows, 9, 9, 2]),
    targets: tf.tensor1d([0, 2, 1, 1, 0]),
    mask: tf.tensor1d([1, 1, 1, 1, 0]),
  };
  const params = tf.tensor1d(initParams(model.spec, 0));
  const other = tf.tensor1d(initParams(model.spec, 1));
  const before = tf.memory().numTensors;
  const here = modelObjective(model, params, batch);
  const there = modelObjective(model, other, batch);
  const at = here.at(other);
  const direct = there.lossAndGrad();
  assert.deepEqual(read(at.loss), read(direct.loss));
  assert.deepEqual(read(at.grad), read(direct.grad));
  // here is unchanged, and differs from there
  assert.notDeepEqual(read(here.loss()), read(there.loss()));
  const wrong = tf.zeros([3]) as tf.Tensor1D;
  assert.throws(() => here.at(wrong), /at: parameters must have shape \[\d+\] \(the parameter count of small-convnet\)/);
  wrong.dispose();
  here.dispose();
  there.dispose();
  assert.equal(tf.memory().numTensors, before, 'at() keeps nothing');
  tf.dispose([params, other, batch.x, batch.targets, batch.mask]);
});

test('tapeObjective.at, and countingEvaluations counts at() and passes everything else through', () => {
  const lossFn = (p: tf.Tensor1D) => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), tf.pow(p, 3))) as tf.Scalar;
  const params = tf.tensor1d([1, -1, 0.5]);
  const other = tf.tensor1d([2, 0, -1]);
  const { objective, evaluations } = countingEvaluations(tapeObjective(lossFn, params));
  assert.equal(evaluations(), 0);
  const at = objective.at(other);
  assert.deepEqual(read(at.loss), [1 * 8 + 0 + 3 * -1]);
  assert.deepEqual(read(at.grad), [3 * 4, 0, 9 * 1]);
  assert.equal(evaluations(), 1);
  objective.at(other).loss.dispose();
  assert.equal(evaluations(), 2);
  assert.deepEqual(read(objective.grad()), [3, 6, 9 * 0.25]);
  assert.equal(objective.size, 3);
  assert.throws(() => objective.at(tf.zeros([2]) as tf.Tensor1D), /at: parameters must have shape \[3\]/);
  tf.dispose([params, other]);
});
