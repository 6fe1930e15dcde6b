import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { makeHvpProblem } from '../../src/check/problem.js';

/** Bad input to the engine fails loudly, naming the problem. */

await initBackend('cpu', { tapeGradients: false });
const p = makeHvpProblem('uci-mlp', 51, { directions: 1 });

test('a direction of the wrong length is refused', () => {
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  const short = tf.tensor1d(p.directions[0].subarray(1));
  const wide = tf.zeros([2, p.params.length + 3]) as tf.Tensor2D;
  try {
    assert.throws(() => objective.hvp(short), /1057.*1056/);
    assert.throws(() => objective.hvpBatch(wide), /1057.*1060/);
  } finally {
    objective.dispose();
    tf.dispose([params, short, wide]);
    disposeBatch(batch);
  }
});

for (const bad of [NaN, Infinity, -Infinity]) {
  test(`a parameter vector holding ${bad} is refused`, () => {
    const batch = toEngineBatch(p.def, p.batch);
    const values = p.params.slice();
    values[17] = bad;
    const params = tf.tensor1d(values);
    try {
      assert.throws(() => {
        const objective = modelObjective(p.def, params, batch);
        try {
          tf.dispose(objective.grad());
        } finally {
          objective.dispose();
        }
      }, (e: Error) => /finite/i.test(e.message) && e.message.includes(String(bad)) && /\b17\b/.test(e.message));
    } finally {
      tf.dispose(params);
      disposeBatch(batch);
    }
  });
}

test('a parameter vector of the wrong length is refused', () => {
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params.subarray(0, 1000));
  try {
    assert.throws(() => modelObjective(p.def, params, batch), /1057.*1000/);
  } finally {
    tf.dispose(params);
    disposeBatch(batch);
  }
});

test('targets of the wrong shape and an integer mask are refused, naming what is expected', () => {
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const rows = batch.x.shape[0];
  const wideTargets = tf.zeros([rows, 3]);
  const intMask = tf.ones([rows], 'int32') as tf.Tensor1D;
  try {
    assert.throws(() => modelObjective(p.def, params, { ...batch, targets: wideTargets }), new RegExp(`loss mse expects targets of shape \\[${rows}, 1\\], got \\[${rows}, 3\\]`));
    assert.throws(() => modelObjective(p.def, params, { ...batch, mask: intMask }), /batch mask must be float32.*got int32/);
  } finally {
    tf.dispose([params, wideTargets, intMask]);
    disposeBatch(batch);
  }
  const ce = makeHvpProblem('fmnist-mlp', 3, { directions: 1 });
  const ceBatch = toEngineBatch(ce.def, ce.batch);
  const ceParams = tf.tensor1d(ce.params);
  const oneHot = tf.oneHot(tf.cast(ceBatch.targets, 'int32'), 10);
  try {
    assert.throws(() => modelObjective(ce.def, ceParams, { ...ceBatch, targets: oneHot }), /expects targets of shape \[\d+\] \(class indices, not one-hot\), got \[\d+, 10\]/);
  } finally {
    tf.dispose([ceParams, oneHot]);
    disposeBatch(ceBatch);
  }
});

test('an objective built inside tf.tidy leaves the caller\'s batch to the tidy: nothing outlives it', () => {
  const before = tf.memory().numTensors;
  const params = tf.tensor1d(p.params);
  tf.tidy(() => {
    const batch = toEngineBatch(p.def, p.batch);
    const objective = modelObjective(p.def, params, batch);
    tf.dispose(objective.hvp(tf.tensor1d(p.directions[0])));
    objective.dispose();
  });
  tf.dispose(params);
  assert.equal(tf.memory().numTensors, before);
});
