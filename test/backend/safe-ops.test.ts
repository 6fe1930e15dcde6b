import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, logSoftmax, softmaxCrossEntropy, stopGradient } from '../../src/backend/index.js';
import {
  GRADIENT_BACKENDS,
  type DerivativeCase,
  asFloat32,
  derivativeErrors,
  relativeError,
  tapeGradient,
  uniform,
  vec,
} from './helpers/check.js';
import { useBackend } from './helpers/webgpu.js';

/**
 * Softmax cross-entropy and log-softmax built from primitives (log-sum-exp) for the tape path,
 * checked like every kernel: gradient and HVP against float64. tf.losses.softmaxCrossEntropy
 * and tf.logSoftmax, customGrad ops that save their output, cannot be differentiated twice.
 */

const TOL = 1e-5;
const ROWS = 5;
const COLS = 4;
const LABELS = [0, 3, 1, 3, 2];
const MASK = [1, 1, 0, 1, 1];

function softmax64(x: Float64Array, r: number): number[] {
  const row = Array.from(x.subarray(r * COLS, (r + 1) * COLS));
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function crossEntropyCase(tape: (logits: tf.Tensor2D) => tf.Scalar, masked: boolean, name: string): DerivativeCase {
  const weight = masked ? MASK : MASK.map(() => 1);
  const total = weight.reduce((a, b) => a + b, 0);
  return {
    name,
    x: uniform(ROWS * COLS, 71, -3, 3),
    v: uniform(ROWS * COLS, 72),
    tape: (x) => tape(tf.reshape(x, [ROWS, COLS])),
    loss64: (x) => weight.reduce((s, m, r) => s - (m * Math.log(softmax64(x, r)[LABELS[r]])) / total, 0),
    grad64: (x) => {
      const g = new Float64Array(ROWS * COLS);
      for (let r = 0; r < ROWS; r++) {
        const p = softmax64(x, r);
        for (let j = 0; j < COLS; j++) g[r * COLS + j] = (weight[r] * (p[j] - (j === LABELS[r] ? 1 : 0))) / total;
      }
      return g;
    },
  };
}

function logSoftmaxCase(): DerivativeCase {
  const w = uniform(ROWS * COLS, 73);
  const u = uniform(ROWS * COLS, 74);
  const ls = (x: Float64Array) => Float64Array.from({ length: ROWS * COLS }, (_, i) => Math.log(softmax64(x, Math.floor(i / COLS))[i % COLS]));
  return {
    name: 'logSoftmax',
    x: uniform(ROWS * COLS, 75, -3, 3),
    v: uniform(ROWS * COLS, 76),
    tape: (x) => {
      const l = tf.reshape(logSoftmax(tf.reshape(x, [ROWS, COLS])), [ROWS * COLS]);
      return tf.add(tf.sum(tf.mul(vec(w), l)), tf.mul(0.5, tf.sum(tf.mul(vec(u), tf.square(l))))) as tf.Scalar;
    },
    loss64: (x) => ls(x).reduce((s, l, i) => s + w[i] * l + 0.5 * u[i] * l * l, 0),
    grad64: (x) => {
      const l = ls(x);
      const g = new Float64Array(ROWS * COLS);
      for (let r = 0; r < ROWS; r++) {
        const p = softmax64(x, r);
        let total = 0;
        for (let j = 0; j < COLS; j++) total += w[r * COLS + j] + u[r * COLS + j] * l[r * COLS + j];
        for (let j = 0; j < COLS; j++) g[r * COLS + j] = w[r * COLS + j] + u[r * COLS + j] * l[r * COLS + j] - p[j] * total;
      }
      return g;
    },
  };
}

const labels = () => tf.tensor1d(LABELS, 'float32');
const CASES = [
  crossEntropyCase((l) => softmaxCrossEntropy(l, labels()), false, 'softmaxCrossEntropy'),
  crossEntropyCase((l) => softmaxCrossEntropy(l, labels(), tf.tensor1d(MASK)), true, 'softmaxCrossEntropy with mask'),
  logSoftmaxCase(),
];

for (const backend of GRADIENT_BACKENDS) {
  for (const c of CASES) {
    test(`${backend}: ${c.name} gradient and HVP match float64`, async (t) => {
      if (!(await useBackend(backend, t))) return;
      const e = await derivativeErrors(c);
      assert.ok(e.reference < 1e-6, `float64 reference gradient off by ${e.reference}`);
      assert.ok(e.grad < TOL, `gradient relative error ${e.grad}`);
      assert.ok(e.hvp < TOL, `HVP relative error ${e.hvp}`);
    });
  }
}

test('the stock tf.losses.softmaxCrossEntropy and tf.logSoftmax cannot be differentiated twice', async () => {
  await initBackend('cpu');
  const oneHot = () => tf.oneHot(tf.tensor1d(LABELS, 'int32'), COLS);
  const stockLoss = crossEntropyCase((l) => tf.losses.softmaxCrossEntropy(oneHot(), l) as tf.Scalar, false, 'stock');
  const stockLogSoftmax = crossEntropyCase(
    (l) => tf.neg(tf.mean(tf.sum(tf.mul(oneHot(), tf.logSoftmax(l)), 1))) as tf.Scalar,
    false,
    'stock logSoftmax',
  );
  for (const c of [stockLoss, stockLogSoftmax]) {
    // the first derivative is right, the second has no path back to the logits
    const x = asFloat32(c.x);
    assert.ok(relativeError(await tapeGradient(c.tape, x), c.grad64(x)) < TOL);
    await assert.rejects(derivativeErrors(c), /Cannot compute gradient of y=f\(x\)/);
  }
});

test('an all-zero mask gives a zero loss; bad label and mask shapes are named', async () => {
  await initBackend('cpu');
  const logits = tf.randomNormal([3, 4]) as tf.Tensor2D;
  assert.equal(softmaxCrossEntropy(logits, tf.tensor1d([0, 1, 2]), tf.zeros([3]) as tf.Tensor1D).dataSync()[0], 0);
  assert.throws(() => softmaxCrossEntropy(logits, tf.tensor1d([0, 1])), /labels must have shape \[3\], got \[2\]/);
  assert.throws(() => softmaxCrossEntropy(logits, tf.tensor1d([0, 1, 2]), tf.ones([4]) as tf.Tensor1D), /mask must have shape \[3\]/);
});

test('stopGradient passes the value and blocks the derivative', async () => {
  await initBackend('wasm');
  const x = tf.tensor1d([1, -2, 3]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(stopGradient(t), t)))(x);
  assert.deepEqual(Array.from(g.dataSync()), [1, -2, 3]);
  tf.dispose([x, g]);
});
