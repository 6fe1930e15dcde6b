import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { piDampedInverses } from '../../../src/optim/kfac/pi-damping.js';
import type { FactorInverse } from '../../../src/optim/kfac/factor-inverse.js';
import { hostSpdInverse, spdInverse } from '../../../src/optim/kfac/spd-inverse.js';
import { MovingAverage } from '../../../src/optim/kfac/moving-average.js';
import { Rng } from '../../../src/util/random.js';
import { matmul } from './helpers/net64.js';
import { inverse64, piInverses64, relError } from './helpers/brute-force.js';

/** random SPD matrix X X^T / m + shift I, float64 row-major */
function spd(n: number, seed: number, shift = 0): Float64Array {
  const rng = new Rng(seed);
  const m = n + 3;
  const x = Float64Array.from({ length: n * m }, () => rng.normal());
  const a = matmul(x, x, n, m, n, false, true).map((v) => v / m);
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}

const dataOf = async (t: tf.Tensor) => Array.from(await t.data());
/** the whole matrix of a factor inverse, as numbers */
const denseOf = async (inv: FactorInverse) => {
  const m = inv.dense();
  try {
    return await dataOf(m);
  } finally {
    m.dispose();
  }
};

test('hostSpdInverse is the float64 inverse, and refuses a matrix that is not positive definite', async () => {
  const a = spd(9, 1, 0.1);
  assert.ok(relError(hostSpdInverse(a, 9), inverse64(a, 9)) < 1e-12);
  assert.throws(() => hostSpdInverse([1, 2, 2, 1], 2, 'test factor'), /test factor is not positive definite \(pivot 1/);
});

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: spdInverse on the backend (recursive Schur complements, host leaves) matches float64`, async () => {
    await initBackend(backend);
    for (const [n, leaf] of [[5, 8], [37, 8], [130, 32]]) {
      const a = spd(n, n, 0.05);
      const m = tf.tensor2d(Float32Array.from(a), [n, n]);
      const inv = await spdInverse(m, leaf);
      const err = relError(await inv.data(), inverse64(a, n));
      assert.ok(err < 1e-4, `n ${n}, leaf ${leaf}: relative error ${err}`);
      tf.dispose([m, inv]);
    }
  });
}

test('pi-damped inverses: the general case, host and backend, equal the float64 definition', async () => {
  await initBackend('cpu');
  const [dA, dG] = [7, 4];
  const a64 = spd(dA, 2);
  const g64 = spd(dG, 3);
  const a = tf.tensor2d(Float32Array.from(a64), [dA, dA]);
  const g = tf.tensor2d(Float32Array.from(g64), [dG, dG]);
  for (const hostMaxSize of [128, 2]) {
    for (const damping of [1e-4, 0.1, 10]) {
      const got = await piDampedInverses(a, g, damping, { hostMaxSize });
      const want = piInverses64(a64, dA, g64, dG, damping);
      assert.ok(relError(await denseOf(got.aInv), want.aInv) < 1e-5, `A^-1, damping ${damping}, host max ${hostMaxSize}`);
      assert.ok(relError(await denseOf(got.gInv), want.gInv) < 1e-5, `G^-1, damping ${damping}, host max ${hostMaxSize}`);
      got.aInv.dispose();
      got.gInv.dispose();
    }
  }
  tf.dispose([a, g]);
});

test('pi-damped inverses of large factors with exactly zero rows invert the rest alone: the same inverse, applied from both sides', async () => {
  await initBackend('cpu');
  const [dA, dG] = [40, 12];
  // zero rows and columns, as a 3x3 'same' convolution on a 1x1 map gets from its padding-only taps
  const zeroRows = new Set([0, 1, 2, 7, 20, 21, 39]);
  const a64 = spd(dA, 5).map((v, k) => (zeroRows.has(Math.floor(k / dA)) || zeroRows.has(k % dA) ? 0 : v));
  const g64 = spd(dG, 6);
  const a = tf.tensor2d(Float32Array.from(a64), [dA, dA]);
  const g = tf.tensor2d(Float32Array.from(g64), [dG, dG]);
  const v = tf.randomNormal([dA, dG], 0, 1, 'float32', 3) as tf.Tensor2D;
  for (const hostMaxSize of [8, 128]) {
    const got = await piDampedInverses(a, g, 0.05, { hostMaxSize });
    const want = piInverses64(a64, dA, g64, dG, 0.05);
    assert.ok(relError(await denseOf(got.aInv), want.aInv) < 1e-5, `A^-1, host max ${hostMaxSize}`);
    // A^-1 V and V^T A^-1 against the float64 matrix
    const left = await dataOf(got.aInv.left(v));
    const vt = tf.transpose(v) as tf.Tensor2D;
    const right = await dataOf(got.aInv.right(vt));
    const v64 = Float64Array.from(await v.data());
    const wantLeft = matmul(want.aInv, v64, dA, dA, dG);
    assert.ok(relError(left, wantLeft) < 1e-5, `left, host max ${hostMaxSize}`);
    assert.ok(relError(right, matmul(v64, want.aInv, dG, dA, dA, true)) < 1e-5, `right, host max ${hostMaxSize}`);
    tf.dispose(vt);
    got.aInv.dispose();
    got.gInv.dispose();
  }
  // a factor that is zero everywhere: I / sqrt(lambda) held as a scale
  const zero = await piDampedInverses(tf.zeros([300, 300]) as tf.Tensor2D, g, 0.04);
  assert.deepEqual(await dataOf(zero.aInv.left(tf.ones([300, 2]) as tf.Tensor2D)), Array(600).fill(5));
  zero.aInv.dispose();
  zero.gInv.dispose();
  tf.dispose([a, g, v]);
});

test('pi-damped inverses: the special cases (1x1 G, 1x1 A, both 1x1, a zero factor)', async () => {
  await initBackend('cpu');
  const lambda = 0.01;
  const a64 = spd(3, 4);
  const trA = a64[0] + a64[4] + a64[8];
  const a = tf.tensor2d(Float32Array.from(a64), [3, 3]);
  const g1 = tf.tensor2d([[2.5]]);
  // 1x1 G: G^-1 = 1/scale, A^-1 = (A/trA + lambda/scale I)^-1: their product is exactly (2.5 A + lambda I)^-1
  const r = await piDampedInverses(a, g1, lambda);
  const scale = trA * 2.5;
  assert.ok(Math.abs((await denseOf(r.gInv))[0] - 1 / scale) < 1e-6 / scale);
  const exact = inverse64(a64.map((v, i) => 2.5 * v + (i % 4 === 0 ? lambda : 0)), 3);
  const product = (await denseOf(r.aInv)).map((v) => v / scale);
  assert.ok(relError(product, exact) < 1e-5);
  // 1x1 A: symmetric
  const s = await piDampedInverses(g1, a, lambda);
  assert.ok(Math.abs((await denseOf(s.aInv))[0] - 1 / scale) < 1e-6 / scale);
  assert.ok(relError((await denseOf(s.gInv)).map((v) => v / scale), exact) < 1e-5);
  // both 1x1: (a g + lambda)^-1 split evenly
  const t = await piDampedInverses(tf.tensor2d([[3]]), g1, lambda);
  const each = 1 / Math.sqrt(7.5 + lambda);
  assert.ok(Math.abs((await denseOf(t.aInv))[0] - each) < 1e-6 && Math.abs((await denseOf(t.gInv))[0] - each) < 1e-6);
  // a zero factor (scale 0): I / sqrt(lambda) for both
  const z = await piDampedInverses(a, tf.zeros([2, 2]) as tf.Tensor2D, lambda);
  const eye = (n: number) => Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 / Math.sqrt(lambda) : 0));
  assert.ok(relError(await denseOf(z.aInv), eye(3)) < 1e-6 && relError(await denseOf(z.gInv), eye(2)) < 1e-6);
  await assert.rejects(() => piDampedInverses(a, g1, 0), /damping must be positive/);
  tf.dispose([a, g1]);
  for (const x of [r, s, t, z]) {
    x.aInv.dispose();
    x.gInv.dispose();
  }
});

test('the moving average is bias-corrected: weight <- ema w + 1, raw <- ema raw + stats, value = raw / weight', async () => {
  await initBackend('cpu');
  const ema = 0.9;
  const avg = new MovingAverage();
  const seen: number[] = [];
  for (const x of [4, 1, 7, 2]) {
    avg.update(tf.scalar(x), ema);
    seen.push(x);
    const weights = seen.map((_, i) => ema ** (seen.length - 1 - i));
    const want = seen.reduce((s, v, i) => s + weights[i] * v, 0) / weights.reduce((s, w) => s + w, 0);
    const v = avg.value();
    assert.ok(Math.abs((await v.data())[0] - want) < 1e-5, `after ${seen.length}: ${want}`);
    v.dispose();
  }
  const latest = new MovingAverage();
  latest.update(tf.scalar(3), 0);
  latest.update(tf.scalar(5), 0);
  const v = latest.value();
  assert.equal((await v.data())[0], 5, 'EMA 0 keeps the latest batch');
  tf.dispose(v);
  // EMA 1 accumulates (kfac-jax's burn-in): the value is the plain mean of the batches folded in
  const burnIn = new MovingAverage();
  for (const x of [2, 4, 9]) burnIn.update(tf.scalar(x), 1);
  const mean = burnIn.value();
  assert.ok(Math.abs((await mean.data())[0] - 5) < 1e-6, 'EMA 1 gives the plain mean');
  tf.dispose(mean);
  assert.throws(() => avg.update(tf.scalar(1), 1.5), /EMA must be in \[0, 1\]/);
  assert.throws(() => avg.update(tf.scalar(1), -0.1), /EMA must be in \[0, 1\]/);
  avg.dispose();
  latest.dispose();
  burnIn.dispose();
});
