import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { EvalSet, evaluate } from '../../src/train/evaluation.js';
import { modelByName, type ModelDef } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import type { Split } from '../../src/data/types.js';
import { Rng } from '../../src/util/random.js';
import { uciEnergy } from './helpers.js';

/**
 * Evaluation of an MLP on the wasm backend runs on the dense-chain kernel with the split kept in its
 * memory; it computes the same chunked sums as the backend's evaluation (SFN_ENGINE=layers): equal to
 * the last bit for mse, within float32 rounding of exp and log for cross-entropy (accuracies equal).
 */

async function both(def: ModelDef, splits: Split[], classifier: boolean, seed: number) {
  await initBackend('wasm', { tapeGradients: false });
  const params = tf.tensor1d(initParams(def.spec, seed));
  const out: number[][] = [];
  for (const engine of ['auto', 'layers']) {
    if (engine === 'layers') process.env.SFN_ENGINE = 'layers';
    const sets = splits.map((s) => new EvalSet(s, 100)); // chunks of 100 rows: several, and a partial last one
    try {
      const before = tf.memory().numTensors;
      const results = await evaluate(def, params, new Map(), sets, classifier);
      const values = results.flatMap((r) => [r.loss, ...(r.accuracy ? [r.accuracy] : [])]);
      out.push(values.map((v) => v.dataSync()[0]));
      tf.dispose(values);
      // and a second evaluation reuses what the first kept
      const again = (await evaluate(def, params, new Map(), sets, classifier)).flatMap((r) => [r.loss, ...(r.accuracy ? [r.accuracy] : [])]);
      assert.deepEqual(again.map((v) => v.dataSync()[0]), out[out.length - 1]);
      tf.dispose(again);
      sets.forEach((s) => s.dispose());
      assert.equal(tf.memory().numTensors, before, 'evaluation and disposal leave no tensor behind');
    } finally {
      delete process.env.SFN_ENGINE;
    }
  }
  params.dispose();
  return out;
}

/** random Fashion-MNIST-shaped splits (784 inputs, 10 classes) of a given number of rows */
const fashionShaped = (rng: Rng) => (rows: number): Split => ({
  x: Float32Array.from({ length: rows * 784 }, () => rng.normal()),
  y: Float32Array.from({ length: rows }, () => rng.int(10)),
  rows,
  inputShape: [784],
  targetShape: [],
});

test('wasm: UCI Energy validation and test losses from the kernel equal the backend evaluation to the last bit', async () => {
  const d = await uciEnergy();
  const [kernel, layers] = await both(modelByName('uci-mlp'), [d.val, d.test], false, 3);
  assert.deepEqual(kernel, layers);
  assert.ok(kernel.every((x) => Number.isFinite(x) && x > 0));
});

test('wasm: Fashion-MNIST-shaped classification: losses within float32 rounding, accuracies equal', async () => {
  const split = fashionShaped(new Rng(8));
  const [kernel, layers] = await both(modelByName('fmnist-mlp'), [split(250), split(120)], true, 5);
  for (const i of [0, 2]) assert.ok(Math.abs(kernel[i] - layers[i]) <= 1e-6 * layers[i], `loss ${kernel[i]} vs ${layers[i]}`);
  for (const i of [1, 3]) assert.equal(kernel[i], layers[i]);
});

test('wasm: a split of 4 or more chunks is shared with the evaluation helper thread, with the same bits as one thread', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const split = fashionShaped(new Rng(9));
  const def = modelByName('fmnist-mlp');
  const splits = [split(450), split(400), split(130)]; // 5 chunks (the last partial), 4 chunks, 2 chunks (not shared)
  const runs: number[][] = [];
  for (const threads of ['2', '1']) {
    process.env.SFN_EVAL_THREADS = threads;
    const sets = splits.map((s) => new EvalSet(s, 100));
    try {
      const before = tf.memory().numTensors;
      for (const seed of [1, 2]) {
        const params = tf.tensor1d(initParams(def.spec, seed));
        const results = await evaluate(def, params, new Map(), sets, true);
        const values = results.flatMap((r) => [r.loss, r.accuracy!]);
        runs.push(values.map((v) => v.dataSync()[0]));
        tf.dispose([params, ...values]);
      }
      if (threads === '2') assert.deepEqual(sets.map((s) => s.kernelParts(def)!.helperPart !== null), [true, true, false]);
      sets.forEach((s) => s.dispose());
      assert.equal(tf.memory().numTensors, before);
    } finally {
      delete process.env.SFN_EVAL_THREADS;
    }
  }
  assert.deepEqual(runs.slice(0, 2), runs.slice(2), 'two threads and one give the same losses and accuracies');
  assert.ok(runs.flat().every(Number.isFinite));
});

test('SFN_EVAL_THREADS must be 1 or 2', async () => {
  const { evalHelperEnabled } = await import('../../src/train/eval-helper.js');
  process.env.SFN_EVAL_THREADS = 'two';
  try {
    assert.throws(() => evalHelperEnabled(), /SFN_EVAL_THREADS must be 1 or 2 \(threads for evaluation\), got 'two'/);
  } finally {
    delete process.env.SFN_EVAL_THREADS;
  }
});
