import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { symmetricSpectrum, type SymmetricSpectrum } from '../../src/linalg/spectral.js';
import { chooseKernel, jsKernel, wasmSimdAvailable } from '../../src/linalg/rank-two-kernel.js';
import { applySpectralFunction, symmetricEigen } from '../../src/linalg/symmetric-eigen.js';
import { fromData } from '../../src/linalg/matrix.js';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { modelByName } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import { Rng } from '../../src/util/random.js';

/**
 * symmetricSpectrum (Householder tridiagonalisation + QL with recorded rotations, no eigenvectors)
 * on matrices with known spectra A = Q diag(lambda) Q^T, Q a seeded random orthogonal matrix, and
 * on a real UCI-MLP Hessian against symmetric-eigen.ts; both tridiagonalisation kernels.
 */

const KERNELS = ['wasm-simd', 'js'] as const;

/** a random orthogonal n x n matrix (row-major): the product of n random Householder reflections */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  const t = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let uu = 0;
    for (let i = 0; i < n; i++) {
      u[i] = rng.normal();
      uu += u[i] * u[i];
    }
    // Q <- Q (I - 2 u u^T / u.u)
    t.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i] += q[i * n + j] * u[j];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] -= (2 / uu) * t[i] * u[j];
  }
  return q;
}

/** Q diag(lambda) Q^T, exactly symmetric */
function withSpectrum(q: Float64Array, lambda: ArrayLike<number>): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  return a;
}

/** Q diag(f(lambda)) Q^T x */
function referenceApply(q: Float64Array, lambda: ArrayLike<number>, f: (x: number) => number, x: Float64Array): Float64Array {
  const n = lambda.length;
  const y = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += q[i * n + k] * x[i];
    y[k] = f(lambda[k]) * s;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) out[i] += q[i * n + k] * y[k];
  return out;
}

function matvec(a: Float64Array, x: Float64Array): Float64Array {
  const n = x.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

function relative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

function assertValues(s: SymmetricSpectrum, expected: ArrayLike<number>, what: string): void {
  const sorted = Float64Array.from(expected).sort();
  const scale = Math.max(...Array.from(sorted, Math.abs));
  assert.equal(s.values.length, sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0) assert.ok(s.values[i - 1] <= s.values[i], `${what}: ascending`);
    const err = Math.abs(s.values[i] - sorted[i]);
    assert.ok(err <= 1e-12 * scale, `${what}: eigenvalue ${i} is ${s.values[i]}, expected ${sorted[i]} (error ${(err / scale).toExponential(2)} of the largest)`);
  }
}

const FUNCTIONS: [string, (l: number, scale: number) => number][] = [
  ['identity', (l) => l],
  ['|lambda|', (l) => Math.abs(l)],
  ['1/(|lambda| + scale/100)', (l, scale) => 1 / (Math.abs(l) + scale / 100)],
  // (the threshold, where f jumps, is kept clear of every test spectrum's eigenvalues)
  ['thresholded inverse (Exact SFN)', (l, scale) => (Math.abs(l) <= scale * 1.234e-3 ? 0.5 / scale : 1 / Math.abs(l))],
];

const SPECTRA: [string, (n: number) => number[]][] = [
  ['distinct, both signs', (n) => Array.from({ length: n }, (_, i) => (i - n / 3) * 0.7)],
  ['repeated', (n) => Array.from({ length: n }, (_, i) => (i < n / 2 ? 2 : -1))],
  ['clustered', (n) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 5 + 1e-10 * i : i % 3 === 1 ? -0.5 - 1e-13 * i : 1e-3 * i))],
  ['half zeros', (n) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0 : 1 + i))],
  ['all zero', (n) => new Array(n).fill(0)],
  ['one nonzero', (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? -3 : 0))],
  ['wide range', (n) => Array.from({ length: n }, (_, i) => 10 ** (-12 + (24 * i) / n) * (i % 2 ? 1 : -1))],
];

for (const kernel of KERNELS) {
  for (const n of [1, 2, 3, 5, 40, 150]) {
    test(`${kernel}: known spectra at n = ${n}: eigenvalues and f(A) x`, () => {
      const q = randomOrthogonal(n, 1000 + n);
      const rng = new Rng(n);
      const x = Float64Array.from({ length: n }, () => rng.normal());
      for (const [name, make] of SPECTRA) {
        const lambda = make(n);
        const a = withSpectrum(q, lambda);
        const s = symmetricSpectrum(a, n, { kernel });
        assertValues(s, lambda, name);
        const scale = Math.max(...lambda.map(Math.abs)) || 1; // (all zero: any scale)
        for (const [fname, f] of FUNCTIONS) {
          const g = (l: number) => f(l, scale);
          const err = relative(s.apply(g, x), referenceApply(q, lambda, g, x));
          assert.ok(err <= 1e-10, `${name}, f = ${fname}: relative error ${err}`);
        }
      }
    });
  }
}

test('n = 1 and n = 2 in closed form, n = 0', () => {
  const one = symmetricSpectrum(Float64Array.of(-3.5), 1);
  assert.deepEqual(Array.from(one.values), [-3.5]);
  assert.deepEqual(Array.from(one.apply((l) => l * l, Float64Array.of(2))), [24.5]);
  // the saddle of Figure 1: eigenvalues 1 -+ sqrt(13)
  const saddle = symmetricSpectrum(Float64Array.of(4, 2, 2, -2), 2);
  assert.ok(Math.abs(saddle.values[0] - (1 - Math.sqrt(13))) <= 1e-15 * 5);
  assert.ok(Math.abs(saddle.values[1] - (1 + Math.sqrt(13))) <= 1e-15 * 5);
  const y = saddle.apply((l) => 1 / l, Float64Array.of(1, 0)); // A^-1 e_1 = (2, 2) / 12
  assert.ok(Math.abs(y[0] - 1 / 6) <= 1e-15 && Math.abs(y[1] - 1 / 6) <= 1e-15);
  const empty = symmetricSpectrum(new Float64Array(0), 0);
  assert.equal(empty.values.length, 0);
  assert.equal(empty.apply((l) => l, new Float64Array(0)).length, 0);
});

test('an asymmetric input is read as (A + A^T) / 2; the input and x are not modified', () => {
  const n = 30;
  const rng = new Rng(5);
  const a = Float64Array.from({ length: n * n }, () => rng.normal());
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
  const copy = Float64Array.from(a);
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const xCopy = Float64Array.from(x);
  const s = symmetricSpectrum(a, n);
  assert.deepEqual(a, copy);
  const reference = symmetricEigen(fromData(n, n, sym), { vectors: false }).values;
  const scale = Math.max(...Array.from(reference, Math.abs));
  reference.forEach((v, i) => assert.ok(Math.abs(s.values[i] - v) <= 1e-13 * scale));
  assert.ok(relative(s.apply((l) => l, x), matvec(sym, x)) <= 1e-13);
  assert.deepEqual(x, xCopy);
});

test('entries far from 1 (1e+-200, 1e308) are scaled: neither overflow nor underflow', () => {
  // (A + A^T) / 2 of entries near the largest double: halved before they are added
  const huge = symmetricSpectrum(Float64Array.of(0.5e308, 1e308, 1e308, -0.5e308), 2);
  const root = Math.sqrt(0.5 ** 2 + 1) * 1e308;
  assert.ok(Math.abs(huge.values[0] / -root - 1) <= 1e-15 && Math.abs(huge.values[1] / root - 1) <= 1e-15, `${huge.values}`);
  const n = 20;
  const q = randomOrthogonal(n, 77);
  const lambda = Array.from({ length: n }, (_, i) => i - 7);
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  for (const scale of [1e200, 1e-200]) {
    const s = symmetricSpectrum(withSpectrum(q, lambda.map((l) => l * scale)), n);
    assertValues(s, lambda.map((l) => l * scale), `scale ${scale}`);
    const err = relative(s.apply((l) => Math.abs(l) / scale, x), referenceApply(q, lambda, Math.abs, x));
    assert.ok(err <= 1e-12, `scale ${scale}: ${err}`);
  }
});

test('bad input: one clear error each', () => {
  const a = Float64Array.of(1, 2, 2, 1);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const b = Float64Array.from(a);
    b[2] = bad;
    assert.throws(() => symmetricSpectrum(b, 2), new RegExp(`entry \\(1, 0\\) of the 2 x 2 matrix is ${bad}; the matrix must be finite`));
  }
  assert.throws(() => symmetricSpectrum(a, 3), /a 3 x 3 matrix needs 9 entries \(row-major\), got 4/);
  assert.throws(() => symmetricSpectrum(a, 1.5), /non-negative integer/);
  const s = symmetricSpectrum(a, 2);
  assert.throws(() => s.apply((l) => l, Float64Array.of(1, 2, 3)), /the vector has 3 entries, the matrix is 2 x 2/);
  assert.throws(() => s.apply((l) => l, Float64Array.of(1, NaN)), /entry 1 of the vector is NaN/);
  assert.throws(() => s.apply((l) => 1 / (l + 1), Float64Array.of(1, 1)), /f\(-1\) = -?Infinity at an eigenvalue; f must be finite/);
});

test('kernel choice: WebAssembly SIMD where available, else plain JS; asking for SIMD where there is none is an error', () => {
  const js = jsKernel();
  assert.equal(chooseKernel('auto', null).name, 'js');
  assert.equal(chooseKernel('js', null).name, 'js');
  assert.throws(() => chooseKernel('wasm-simd', null), /WebAssembly SIMD kernel is not available/);
  const simd = { ...js, name: 'wasm-simd' as const };
  assert.equal(chooseKernel('auto', simd).name, 'wasm-simd');
  assert.equal(chooseKernel('js', simd).name, 'js');
  // Node 20 has WebAssembly SIMD: the shipped module must load there
  assert.equal(wasmSimdAvailable(), true);
});

test('the two kernels agree to rounding on a random matrix', () => {
  const n = 123;
  const rng = new Rng(9);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const [w, j] = KERNELS.map((kernel) => symmetricSpectrum(a, n, { kernel }));
  const scale = Math.max(...Array.from(j.values, Math.abs));
  j.values.forEach((v, i) => assert.ok(Math.abs(w.values[i] - v) <= 1e-13 * scale, `eigenvalue ${i}`));
  assert.ok(relative(w.apply(Math.abs, x), j.apply(Math.abs, x)) <= 1e-12);
});

test('a real UCI-MLP Hessian (n = 1057): against symmetric-eigen.ts and direct products', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const def = modelByName('uci-mlp');
  const rows = 588;
  const rng = new Rng(4);
  const params = tf.tensor1d(initParams(def.spec, 3));
  const batch = {
    x: tf.tensor2d(Float32Array.from({ length: rows * 8 }, () => rng.normal()), [rows, 8]),
    targets: tf.tensor2d(Float32Array.from({ length: rows }, () => rng.normal()), [rows, 1]),
    mask: tf.ones([rows]) as tf.Tensor1D,
  };
  const objective = modelObjective(def, params, batch);
  const h = await objective.hessian();
  objective.dispose();
  tf.dispose([params, batch.x, batch.targets, batch.mask]);
  const n = 1057;
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const reference = symmetricEigen(fromData(n, n, h));
  const scale = Math.max(...Array.from(reference.values, Math.abs));
  for (const kernel of KERNELS) {
    const s = symmetricSpectrum(h, n, { kernel });
    reference.values.forEach((v, i) => {
      assert.ok(Math.abs(s.values[i] - v) <= 1e-12 * scale, `${kernel}: eigenvalue ${i}: ${s.values[i]} vs ${v}`);
    });
    const hx = matvec(h, x);
    assert.ok(relative(s.apply((l) => l, x), hx) <= 1e-10, `${kernel}: f(lambda) = lambda gives H x`);
    assert.ok(relative(s.apply((l) => l * l, x), matvec(h, hx)) <= 1e-10, `${kernel}: lambda^2 gives H H x`);
    for (const [name, f] of FUNCTIONS) {
      const g = (l: number) => f(l, scale);
      const err = relative(s.apply(g, x), applySpectralFunction(reference, g, x));
      assert.ok(err <= 1e-10, `${kernel}: f = ${name}: relative error ${err} against symmetric-eigen.ts`);
    }
  }
});
