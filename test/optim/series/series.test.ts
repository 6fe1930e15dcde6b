import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../../src/linalg/matrix.js';
import { fromRows, matmul, matvec, transpose, diagonal } from '../../../src/linalg/matrix.js';
import { applySpectralFunction, symmetricEigen } from '../../../src/linalg/symmetric-eigen.js';
import { Float64VectorSpace } from '../../../src/optim/series/float64-vector-space.js';
import { runSeries, validateSeriesShape } from '../../../src/optim/series/series.js';
import { seriesDirection } from '../../../src/optim/series/series-update.js';
import { ACCELERATOR_NAMES } from '../../../src/optim/series/accelerators/index.js';
import { Rng } from '../../../src/util/random.js';

const space = new Float64VectorSpace();
const norm = (v: Float64Array): number => space.norm(v);
const relativeError = (a: Float64Array, b: Float64Array): number => norm(space.sub(a, b)) / norm(b);
const cosine = (a: Float64Array, b: Float64Array): number => space.dot(a, b) / (norm(a) * norm(b));

/** Q diag(spectrum) Q^T with a seeded random orthogonal Q */
function matrixWithSpectrum(spectrum: number[], seed: number): Matrix {
  const n = spectrum.length;
  const rng = new Rng(seed);
  const r = fromRows(Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal())));
  const q = symmetricEigen(matmul(r, transpose(r))).vectors as Matrix;
  return matmul(matmul(q, diagonal(spectrum)), transpose(q));
}

/** float64 reference: (|H| + lambda I)^{-1} g by eigendecomposition */
function exactSaddleFree(h: Matrix, g: Float64Array, damping: number): Float64Array {
  return applySpectralFunction(symmetricEigen(h), (x) => 1 / (Math.abs(x) + damping), g);
}

const H = matrixWithSpectrum([-3, -2, -1, 1, 1.5, 2.5, 3], 11); // indefinite, |eigenvalues| in [1, 3]
const g = Float64Array.from([0.3, -1, 2, 0.5, -0.7, 1.1, 0.2]);
const hvp = (v: Float64Array): Float64Array => matvec(H, v);

test('undamped series converges to |H|^{-1} g', async () => {
  const exact = exactSaddleFree(H, g, 0);
  const errors = await Promise.all([20, 80, 300].map(async (K) => {
    const r = await runSeries(space, g, hvp, { terms: K, order: 0, damping: 0, V: 9, vRule: 'fixed' });
    return relativeError(r.sums[0], exact);
  }));
  assert.ok(errors[0] > errors[1] && errors[1] > errors[2], `errors fall: ${errors}`);
  assert.ok(errors[2] < 1e-12, `K = 300 error ${errors[2]}`);
});

test('damped series converges to (|H| + lambda I)^{-1} g, also for lambda / sqrt(V) > 0.7', async () => {
  for (const damping of [0.01, 0.5, 2.7, 10]) {
    const r = await runSeries(space, g, hvp, { terms: 300, order: 0, damping, V: 9, vRule: 'fixed' });
    const err = relativeError(r.sums[0], exactSaddleFree(H, g, damping));
    assert.ok(err < 1e-12, `lambda = ${damping}: error ${err}`);
  }
});

test('damped series converges for a singular Hessian (zero eigenvalue)', async () => {
  const singular = matrixWithSpectrum([-2, 0, 1, 2], 12);
  const g4 = Float64Array.from([1, -1, 0.5, 2]);
  const exact = exactSaddleFree(singular, g4, 0.5);
  const errors = await Promise.all([50, 500, 5000].map(async (K) => {
    const r = await runSeries(space, g4, (v) => matvec(singular, v), { terms: K, order: 0, damping: 0.5, V: 4, vRule: 'fixed' });
    return relativeError(r.sums[0], exact);
  }));
  // at mu = 0 the coefficients decay like k^{-3/2}: the error falls like K^{-1/2}, ~3x per decade
  assert.ok(errors[0] > 2.5 * errors[1] && errors[1] > 2.5 * errors[2] && errors[2] < 0.05, `errors ${errors}`);
});

test('the returned window is the last 2N+1 partial sums of the full run', async () => {
  const all: Float64Array[] = [];
  await runSeries(space, g, hvp, { terms: 12, order: 5, damping: 0.3, V: 9, vRule: 'fixed', onPartialSum: (_, w) => void all.push(w[w.length - 1]) });
  assert.equal(all.length, 12);
  const r = await runSeries(space, g, hvp, { terms: 12, order: 2, damping: 0.3, V: 9, vRule: 'fixed' });
  assert.equal(r.sums.length, 5);
  assert.equal(r.firstIndex, 7);
  r.sums.forEach((s, i) => assert.deepEqual(Array.from(s), Array.from(all[7 + i])));
  assert.equal(r.hvpCount, 22, '2(K - 1) products');
});

test('partial sums grow monotonically towards the limit along every eigen-direction (PSD truncations)', async () => {
  const eig = symmetricEigen(H);
  const q = eig.vectors as Matrix;
  const project = (v: Float64Array, j: number): number => v.reduce((s, x, i) => s + x * q.data[i * 7 + j], 0);
  let previous: number[] | null = null;
  await runSeries(space, g, hvp, {
    terms: 40, order: 0, damping: 0, V: 9, vRule: 'fixed',
    onPartialSum: (_, w) => {
      // the coefficient the truncation applies to each eigen-direction: positive and rising to 1/|h|
      const ratios = Array.from({ length: 7 }, (_, j) => project(w[0], j) / project(g, j));
      ratios.forEach((r, j) => assert.ok(r > 0 && r <= 1 / Math.abs(eig.values[j]) + 1e-12));
      if (previous) ratios.forEach((r, j) => assert.ok(r >= (previous as number[])[j] - 1e-15));
      previous = ratios;
    },
  });
});

test('V rises to ||H^2 g|| / ||g|| when larger, never falls, and reuses the first product', async () => {
  const ratio = norm(hvp(hvp(g))) / norm(g);
  assert.ok(ratio > 1 && ratio < 9);
  const low = await runSeries(space, g, hvp, { terms: 4, order: 1, damping: 0, V: 1 });
  assert.ok(Math.abs(low.V - ratio) < 1e-12);
  assert.equal(low.hvpCount, 6, 'no extra product for the V update');
  const high = await runSeries(space, g, hvp, { terms: 4, order: 1, damping: 0, V: 100 });
  assert.equal(high.V, 100);
  const fixed = await runSeries(space, g, hvp, { terms: 4, order: 1, damping: 0, V: 1, vRule: 'fixed' });
  assert.equal(fixed.V, 1);
  const zeroGradient = await runSeries(space, new Float64Array(7), hvp, { terms: 3, order: 1, damping: 0, V: 5 });
  assert.equal(zeroGradient.V, 5);
});

test('power-iteration bound approaches lambda_max(H^2) = 9 and counts its products', async () => {
  const r = await runSeries(space, g, hvp, { terms: 3, order: 0, damping: 0, V: 1, vRule: 'power-iteration', powerIterations: 60 });
  assert.ok(r.V <= 9 + 1e-9 && r.V > 8.9, `V = ${r.V}`);
  assert.equal(r.hvpCount, 2 * 2 + 2 * 59);
  const safe = await runSeries(space, g, hvp, { terms: 3, order: 0, damping: 0, V: 1, vRule: 'power-iteration', powerIterations: 60, powerSafety: 1.5 });
  assert.ok(Math.abs(safe.V - 1.5 * r.V) < 1e-9);
});

test('K = 1: no curvature product, V unchanged, the update is g / (sqrt(V) + lambda); g / sqrt(V) with the reference coefficients', async () => {
  for (const damping of [0, 0.7]) {
    for (const coefficients of ['stable', 'reference'] as const) {
      const r = await runSeries(space, g, hvp, { terms: 1, order: 0, damping, V: 100, coefficients });
      assert.equal(r.hvpCount, 0);
      assert.equal(r.V, 100);
      assert.equal(r.sums.length, 1);
      const scale = coefficients === 'stable' ? 10 + damping : 10;
      r.sums[0].forEach((x, i) => assert.ok(Math.abs(x - g[i] / scale) < 1e-15, `${coefficients} damping ${damping}`));
    }
  }
});

test('K and N are validated with a message that says how to fix them', async () => {
  assert.throws(() => validateSeriesShape(0, 0), /K must be an integer >= 1/);
  assert.throws(() => validateSeriesShape(3, -1), /N must be an integer >= 0/);
  assert.throws(() => validateSeriesShape(4, 2), /K >= 2N\+1.*raise K to 5 or lower N to 1/);
  await assert.rejects(() => runSeries(space, g, hvp, { terms: 2.5, order: 0, damping: 0, V: 1 }), /integer/);
  await assert.rejects(() => runSeries(space, g, hvp, { terms: 3, order: 0, damping: -1, V: 1 }), /damping/);
  await assert.rejects(() => runSeries(space, g, hvp, { terms: 3, order: 0, damping: 0, V: 0 }), /V must be/);
  validateSeriesShape(5, 2);
});

test('every accelerator improves the cosine similarity over the raw partial sum at an early K', async () => {
  const rng = new Rng(21);
  const spectrum = Array.from({ length: 30 }, () => (rng.uniform() < 0.5 ? -1 : 1) * (0.05 + 3 * rng.uniform()));
  const h = matrixWithSpectrum(spectrum, 22);
  const g30 = Float64Array.from({ length: 30 }, () => rng.normal());
  const exact = exactSaddleFree(h, g30, 0);
  for (const order of [1, 2]) {
    const K = 10;
    const raw = await runSeries(space, g30, (v) => matvec(h, v), { terms: K, order, damping: 0, V: 9.5, vRule: 'fixed' });
    const rawCosine = cosine(raw.sums[raw.sums.length - 1], exact);
    for (const accelerator of ACCELERATOR_NAMES.filter((a) => a !== 'none')) {
      const r = await seriesDirection(space, g30, (v) => matvec(h, v), { terms: K, order, damping: 0, V: 9.5, vRule: 'fixed', accelerator });
      assert.equal(r.fallbacks, 0);
      const c = cosine(r.direction, exact);
      assert.ok(c > rawCosine + 0.01, `${accelerator} N=${order}: cosine ${c.toFixed(4)} vs raw ${rawCosine.toFixed(4)}`);
    }
  }
});

test('Figure 1 saddle: the series step moves away from the saddle along negative curvature; Newton moves onto it', async () => {
  // f(x, y) = (2x + y)(x - y) + 3xy = 2x^2 + 2xy - y^2: saddle at the origin
  const h = fromRows([[4, 2], [2, -2]]);
  const eig = symmetricEigen(h);
  const q = eig.vectors as Matrix;
  const negative = [q.data[0], q.data[2]]; // eigenvalue 1 - sqrt(13) < 0
  const positive = [q.data[1], q.data[3]];
  const along = (p: Float64Array, d: number[]): number => p[0] * d[0] + p[1] * d[1];
  const start = Float64Array.from([0.75, 1]);
  const grad = matvec(h, start);

  const newton = space.sub(start, matvec(fromRows([[2, 2], [2, -4]].map((r) => r.map((x) => x / 12))), grad)); // H^{-1} = adj / det
  assert.ok(Math.hypot(...newton) < 1e-15, 'Newton jumps onto the saddle');

  const sfn = space.sub(start, exactSaddleFree(h, grad, 0));
  for (const accelerator of ['none', 'wynn', 'sablonniere', 'levin', 'pade'] as const) {
    for (const K of [1, 2, 3, 5, 8, 20, 60]) {
      const order = accelerator === 'none' ? 0 : Math.min(2, Math.floor((K - 1) / 2));
      const r = await seriesDirection(space, grad, (v) => matvec(h, v), { terms: K, order, damping: 0, V: 100, accelerator });
      const next = space.sub(start, r.direction);
      assert.ok(Math.abs(along(next, negative)) > Math.abs(along(start, negative)), `${accelerator} K=${K}: away along negative curvature`);
      assert.ok(Math.abs(along(next, positive)) < Math.abs(along(start, positive)), `${accelerator} K=${K}: towards the minimum along positive curvature`);
    }
  }
  // many terms: the series step is the exact saddle-free Newton step (reflected through the saddle)
  const long = await seriesDirection(space, grad, (v) => matvec(h, v), { terms: 400, order: 0, damping: 0, V: 100, accelerator: 'none' });
  assert.ok(norm(space.sub(space.sub(start, long.direction), sfn)) < 1e-6);
  assert.ok(Math.abs(along(sfn, negative) - 2 * along(start, negative)) < 1e-12);
});
