import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, softmaxCrossEntropy } from '../../src/backend/index.js';
import { tapeObjective } from '../../src/autodiff/tape-objective.js';
import { BACKENDS, asFloat32, referenceHvp, relativeError, uniform, vec } from '../backend/helpers/check.js';

/**
 * tapeObjective on a user-style model written with plain TensorFlow.js ops: a one-hidden-layer
 * tanh network with softmax cross-entropy. Loss, gradient, HVP and the explicit Hessian are
 * compared with a float64 forward/backward pass written out below (HVP reference: central
 * differences of the float64 gradient). Relative error bound 1e-5 (measured ~1e-7).
 */

const TOL = 1e-5;
const ROWS = 6;
const IN = 3;
const HIDDEN = 4;
const OUT = 3;
const SIZES = { w1: IN * HIDDEN, b1: HIDDEN, w2: HIDDEN * OUT };
const SIZE = SIZES.w1 + SIZES.b1 + SIZES.w2;
const X = asFloat32(uniform(ROWS * IN, 91, -2, 2));
const LABELS = [0, 2, 1, 1, 0, 2];
const THETA = asFloat32(uniform(SIZE, 92));

function loss(theta: tf.Tensor1D): tf.Scalar {
  const w1 = tf.reshape(tf.slice(theta, 0, SIZES.w1), [IN, HIDDEN]);
  const b1 = tf.slice(theta, SIZES.w1, SIZES.b1);
  const w2 = tf.reshape(tf.slice(theta, SIZES.w1 + SIZES.b1, SIZES.w2), [HIDDEN, OUT]);
  const hidden = tf.tanh(tf.add(tf.matMul(tf.tensor2d(Float32Array.from(X), [ROWS, IN]), w1), b1));
  return softmaxCrossEntropy(tf.matMul(hidden, w2) as tf.Tensor2D, tf.tensor1d(LABELS));
}

/** float64 loss and gradient of the same network */
function reference(theta: Float64Array): { loss: number; grad: Float64Array } {
  const w1 = (i: number, j: number) => theta[i * HIDDEN + j];
  const b1 = (j: number) => theta[SIZES.w1 + j];
  const w2 = (j: number, k: number) => theta[SIZES.w1 + SIZES.b1 + j * OUT + k];
  const grad = new Float64Array(SIZE);
  let total = 0;
  for (let r = 0; r < ROWS; r++) {
    const h = Array.from({ length: HIDDEN }, (_, j) => {
      let z = b1(j);
      for (let i = 0; i < IN; i++) z += X[r * IN + i] * w1(i, j);
      return Math.tanh(z);
    });
    const logits = Array.from({ length: OUT }, (_, k) => h.reduce((s, hj, j) => s + hj * w2(j, k), 0));
    const m = Math.max(...logits);
    const z = logits.reduce((s, l) => s + Math.exp(l - m), 0);
    const p = logits.map((l) => Math.exp(l - m) / z);
    total += m + Math.log(z) - logits[LABELS[r]];
    const dLogits = p.map((pk, k) => (pk - (k === LABELS[r] ? 1 : 0)) / ROWS);
    for (let j = 0; j < HIDDEN; j++) {
      let dh = 0;
      for (let k = 0; k < OUT; k++) {
        grad[SIZES.w1 + SIZES.b1 + j * OUT + k] += h[j] * dLogits[k];
        dh += w2(j, k) * dLogits[k];
      }
      const dz = dh * (1 - h[j] * h[j]);
      grad[SIZES.w1 + j] += dz;
      for (let i = 0; i < IN; i++) grad[i * HIDDEN + j] += X[r * IN + i] * dz;
    }
  }
  return { loss: total / ROWS, grad };
}

const grad64 = (t: Float64Array) => reference(t).grad;

function read(t: tf.Tensor): Float32Array {
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

for (const backend of BACKENDS) {
  test(`${backend}: loss, gradient and HVP match float64`, async () => {
    await initBackend(backend);
    const params = vec(THETA);
    const objective = tapeObjective(loss, params);
    const ref = reference(THETA);
    assert.equal(objective.size, SIZE);
    assert.ok(Math.abs(read(objective.loss())[0] - ref.loss) / ref.loss < TOL);
    assert.ok(relativeError(read(objective.grad()), ref.grad) < TOL);
    const both = objective.lossAndGrad();
    assert.ok(Math.abs(read(both.loss)[0] - ref.loss) / ref.loss < TOL);
    assert.ok(relativeError(read(both.grad), ref.grad) < TOL);
    for (const seed of [93, 94, 95]) {
      const v = asFloat32(uniform(SIZE, seed));
      const err = relativeError(read(objective.hvp(vec(v))), referenceHvp(grad64, THETA, v));
      assert.ok(err < TOL, `HVP relative error ${err}`);
    }
    params.dispose();
  });

  test(`${backend}: hvpBatch and hessian() agree with single HVPs and float64`, async () => {
    await initBackend(backend);
    const params = vec(THETA);
    const objective = tapeObjective(loss, params, { hessianChunk: 10 });
    const directions = Array.from({ length: 3 }, (_, k) => asFloat32(uniform(SIZE, 96 + k)));
    const batch = read(objective.hvpBatch(tf.tensor2d(Float32Array.from(directions.flatMap((d) => Array.from(d))), [3, SIZE])));
    directions.forEach((d, k) => {
      const single = read(objective.hvp(vec(d)));
      assert.ok(relativeError(batch.subarray(k * SIZE, (k + 1) * SIZE), single) < 1e-6);
    });
    const h = await objective.hessian();
    assert.equal(h.length, SIZE * SIZE);
    let asymmetry = 0;
    let scale = 0;
    for (let i = 0; i < SIZE; i++) {
      const e = new Float64Array(SIZE);
      e[i] = 1;
      const column = referenceHvp(grad64, THETA, e);
      assert.ok(relativeError(h.subarray(i * SIZE, (i + 1) * SIZE), column) < TOL, `Hessian row ${i}`);
      for (let j = 0; j < SIZE; j++) {
        asymmetry = Math.max(asymmetry, Math.abs(h[i * SIZE + j] - h[j * SIZE + i]));
        scale = Math.max(scale, Math.abs(h[i * SIZE + j]));
      }
    }
    assert.ok(asymmetry / scale < TOL, `asymmetry ${asymmetry / scale}`);
    params.dispose();
  });
}

test('the tensor count stays flat over 200 HVPs', async () => {
  await initBackend('wasm');
  const params = vec(THETA);
  const v = vec(uniform(SIZE, 99));
  const vs = tf.stack([v, v]) as tf.Tensor2D;
  const objective = tapeObjective(loss, params);
  objective.hvp(v).dispose(); // warm-up
  const before = tf.memory().numTensors;
  for (let i = 0; i < 200; i++) objective.hvp(v).dispose();
  assert.equal(tf.memory().numTensors, before, 'hvp');
  objective.grad().dispose();
  objective.loss().dispose();
  objective.hvpBatch(vs).dispose();
  await objective.hessian();
  assert.equal(tf.memory().numTensors, before, 'grad, loss, hvpBatch, hessian');
  tf.dispose([params, v, vs]);
});

test('wrong directions and non-scalar losses are named', async () => {
  await initBackend('cpu');
  const params = vec(THETA);
  const objective = tapeObjective(loss, params);
  assert.throws(() => objective.hvp(tf.zeros([SIZE + 1]) as tf.Tensor1D), new RegExp(`hvp: direction must have shape \\[${SIZE}\\], got \\[${SIZE + 1}\\]`));
  assert.throws(() => objective.hvpBatch(tf.zeros([2, 3]) as tf.Tensor2D), new RegExp(`hvpBatch: directions must have shape \\[k, ${SIZE}\\]`));
  assert.throws(() => tapeObjective(loss, tf.zeros([2, 2]) as unknown as tf.Tensor1D), /params must be a flat vector/);
  const notScalar = tapeObjective((p) => tf.mul(p, 2) as unknown as tf.Scalar, params);
  assert.throws(() => notScalar.loss(), /the loss must be a scalar, got shape \[28\]/);
  params.dispose();
});
