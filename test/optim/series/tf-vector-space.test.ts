import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { TfVectorSpace } from '../../../src/optim/series/tf-vector-space.js';
import { Float64VectorSpace } from '../../../src/optim/series/float64-vector-space.js';
import { seriesDirection } from '../../../src/optim/series/series-update.js';
import { runSeries } from '../../../src/optim/series/series.js';
import { ACCELERATOR_NAMES } from '../../../src/optim/series/accelerators/index.js';
import { Rng } from '../../../src/util/random.js';

before(async () => {
  await initBackend('cpu');
});

const space = new TfVectorSpace();
const f64 = new Float64VectorSpace();

function symmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = rng.normal() / Math.sqrt(n);
  return m;
}

test('vector operations agree with float64 ones', async () => {
  const a64 = Float64Array.from([1.5, -2, 3.25]);
  const b64 = Float64Array.from([0.5, 4, -1]);
  const a = tf.tensor1d(Float32Array.from(a64));
  const b = tf.tensor1d(Float32Array.from(b64));
  const pairs: [tf.Tensor1D, Float64Array][] = [
    [space.add(a, b), f64.add(a64, b64)],
    [space.sub(a, b), f64.sub(a64, b64)],
    [space.scale(a, -0.3), f64.scale(a64, -0.3)],
    [space.axpy(2.5, a, b), f64.axpy(2.5, a64, b64)],
    [space.linearCombination([0.2, -1.5], [a, b]), f64.linearCombination([0.2, -1.5], [a64, b64])],
    [space.linearCombination([0.7], [a]), f64.linearCombination([0.7], [a64])],
    [space.clone(a), a64],
  ];
  for (const [t, expected] of pairs) {
    const got = t.dataSync();
    expected.forEach((x, i) => assert.ok(Math.abs(got[i] - x) < 1e-6 * (1 + Math.abs(x))));
    t.dispose();
  }
  // these entries are exact in float32, so float64 accumulation gives the float64 answer
  assert.equal(await space.dot(a, b), f64.dot(a64, b64));
  assert.equal(await space.norm(a), f64.norm(a64));
  const onDevice = new TfVectorSpace('backend');
  assert.ok(Math.abs((await onDevice.dot(a, b)) - f64.dot(a64, b64)) < 1e-6 && Math.abs((await onDevice.norm(a)) - f64.norm(a64)) < 1e-6);
  assert.equal(space.length(a), 3);
  assert.throws(() => space.linearCombination([1, 2], [a]), /as many coefficients/);
  tf.dispose([a, b]);
});

test('dot products and norms accumulate in float64, and NaN propagates', async () => {
  const n = 1_000_000;
  const x = tf.fill([n], 0.1, 'float32') as tf.Tensor1D;
  const tenth = Math.fround(0.1);
  // the exact sum of n equal products, computed in float64 the same way (sequential sums of an exact product)
  let expected = 0;
  for (let i = 0; i < n; i++) expected += tenth * tenth;
  assert.equal(await space.dot(x, x), expected);
  assert.ok(Math.abs((await space.norm(x)) - Math.sqrt(n) * tenth) < 1e-9);
  const bad = tf.tensor1d([1, NaN, 2]);
  assert.ok(Number.isNaN(await space.norm(bad)));
  assert.ok(Number.isNaN(await space.dot(bad, bad)));
  tf.dispose([x, bad]);
});

test('tensor series agrees with the float64 series (float32 accuracy)', async () => {
  const n = 20;
  const h = symmetric(n, 5);
  const hTensor = tf.tensor2d(Float32Array.from(h), [n, n]);
  const g64 = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const g = tf.tensor1d(Float32Array.from(g64));
  const hvp64 = (v: Float64Array): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => v.reduce((s, x, j) => s + h[i * n + j] * x, 0));
  const hvp = (v: tf.Tensor1D): tf.Tensor1D => tf.tidy(() => tf.squeeze<tf.Tensor1D>(tf.matMul(hTensor, tf.reshape(v, [n, 1]))));
  for (const accelerator of ACCELERATOR_NAMES) {
    const options = { terms: 9, order: 2, damping: 0.05, V: 1, accelerator } as const;
    const r = await seriesDirection(space, g, hvp, options);
    const r64 = await seriesDirection(f64, g64, hvp64, options);
    assert.ok(Math.abs(r.V - r64.V) < 1e-5 * r64.V);
    assert.equal(r.hvpCount, r64.hvpCount);
    const got = r.direction.dataSync();
    const scale = f64.norm(r64.direction);
    r64.direction.forEach((x, i) => assert.ok(Math.abs(got[i] - x) < 1e-3 * scale, `${accelerator}[${i}]: ${got[i]} vs ${x}`));
    r.direction.dispose();
  }
  tf.dispose([hTensor, g]);
});

for (const accumulation of ['float64', 'backend'] as const) test(`tensor count stays flat over many steps, fallbacks, compat mode and errors (${accumulation} dots)`, async () => {
  const space = new TfVectorSpace(accumulation);
  const n = 16;
  const hTensor = tf.tensor2d(Float32Array.from(symmetric(n, 6)), [n, n]);
  const hvp = (v: tf.Tensor1D): tf.Tensor1D => tf.tidy(() => tf.squeeze<tf.Tensor1D>(tf.matMul(hTensor, tf.reshape(v, [n, 1]))));
  const g = tf.randomNormal([n], 0, 1, 'float32', 3) as tf.Tensor1D;
  const zero = tf.zeros([n]) as tf.Tensor1D;
  const before = tf.memory().numTensors;
  let V = 1;
  for (let step = 0; step < 10; step++) {
    for (const accelerator of ACCELERATOR_NAMES) {
      for (const compat of ['none', 'reference'] as const) {
        const r = await seriesDirection(space, g, hvp, { terms: 7, order: 2, damping: 1e-3, V, accelerator, compat });
        V = r.V;
        r.direction.dispose();
      }
      // a zero gradient makes every difference zero: the fallback path
      const z = await seriesDirection(space, zero, hvp, { terms: 5, order: 2, damping: 1e-3, V: 1, accelerator, vRule: 'power-iteration', powerIterations: 3 });
      if (accelerator !== 'none') assert.equal(z.fallbacks, 1);
      z.direction.dispose();
    }
    let calls = 0;
    const failing = (v: tf.Tensor1D): tf.Tensor1D => {
      if (++calls > 5) throw new Error('hvp failed');
      return hvp(v);
    };
    await assert.rejects(() => runSeries(space, g, failing, { terms: 6, order: 2, damping: 0, V: 1 }), /hvp failed/);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([hTensor, g, zero]);
});

test('keep protects a result from an enclosing tidy', async () => {
  const a = tf.tensor1d([1, 2]);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => space.keep(space.add(a, a)));
  assert.equal(tf.memory().numTensors, before + 1);
  assert.deepEqual(Array.from(out.dataSync()), [2, 4]);
  tf.dispose([a, out]);
});
