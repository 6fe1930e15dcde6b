import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { GRADIENT_BACKENDS, type DerivativeCase, asFloat32, derivativeErrors, uniform, vec } from './helpers/check.js';
import { useBackend } from './helpers/webgpu.js';

/**
 * Comparison and logic kernels get zero gradients. Each case differentiates straight through
 * one of them: f(x) = sum(w * x^3 * mask(x)) with mask = cast(comparison(x, ...)), so the
 * kernel's gradient is used already for the first derivative and again for the HVP. The
 * float64 reference holds the mask fixed at the base point (the derivative the tape defines).
 * Then stock tfjs gradients that build masks (relu6, clipByValue, maximum, minimum,
 * leakyRelu, where) are differentiated twice, which needs these zero gradients.
 */

const TOL = 1e-5;
const N = 12;
const X = asFloat32(uniform(N, 51, -1, 1));
// Equal / NotEqual compare with a vector that shares every other entry with x exactly.
const PARTNER = X.map((xi, i) => (i % 2 === 0 ? xi : xi + 0.25));
const partner = () => vec(PARTNER);

function mixes(m: Mask): boolean {
  const values = Array.from(X, (x, i) => m.f64(x, i));
  return values.includes(true) && values.includes(false);
}

type Mask = { kernel: string; tape: (x: tf.Tensor) => tf.Tensor; f64: (x: number, i: number) => boolean };

const MASKS: Mask[] = [
  { kernel: 'Equal', tape: (x) => tf.equal(x, partner()), f64: (x, i) => x === PARTNER[i] },
  { kernel: 'NotEqual', tape: (x) => tf.notEqual(x, partner()), f64: (x, i) => x !== PARTNER[i] },
  { kernel: 'Greater', tape: (x) => tf.greater(x, 0.1), f64: (x) => x > 0.1 },
  { kernel: 'GreaterEqual', tape: (x) => tf.greaterEqual(x, 0.1), f64: (x) => x >= 0.1 },
  { kernel: 'Less', tape: (x) => tf.less(x, 0.1), f64: (x) => x < 0.1 },
  { kernel: 'LessEqual', tape: (x) => tf.lessEqual(x, 0.1), f64: (x) => x <= 0.1 },
  {
    kernel: 'LogicalAnd',
    tape: (x) => tf.logicalAnd(tf.greater(x, -0.5), tf.less(x, 0.5)),
    f64: (x) => x > -0.5 && x < 0.5,
  },
  {
    kernel: 'LogicalOr',
    tape: (x) => tf.logicalOr(tf.less(x, -0.5), tf.greater(x, 0.5)),
    f64: (x) => x < -0.5 || x > 0.5,
  },
  {
    kernel: 'LogicalXor',
    tape: (x) => tf.logicalXor(tf.greater(x, -0.3), tf.greater(x, 0.3)),
    f64: (x) => x > -0.3 !== x > 0.3,
  },
  { kernel: 'LogicalNot', tape: (x) => tf.logicalNot(tf.greater(x, 0)), f64: (x) => !(x > 0) },
];

function maskedCubicCase(m: Mask): DerivativeCase {
  const w = uniform(N, 52);
  const mask = Float64Array.from(X, (x, i) => (m.f64(x, i) ? 1 : 0));
  return {
    name: m.kernel,
    x: X,
    v: uniform(N, 53),
    tape: (x) => tf.sum(tf.mul(tf.mul(vec(w), tf.pow(x, 3)), tf.cast(m.tape(x), 'float32'))) as tf.Scalar,
    loss64: (x) => x.reduce((s, xi, i) => s + w[i] * xi ** 3 * mask[i], 0),
    grad64: (x) => x.map((xi, i) => 3 * w[i] * xi ** 2 * mask[i]),
  };
}

/** f(x) = sum(w * g(x)^2) for a piecewise function g built by a stock gradient with masks. */
function piecewiseCase(name: string, g: (x: tf.Tensor) => tf.Tensor, g64: (x: number) => number, dg64: (x: number) => number, lo: number, hi: number): DerivativeCase {
  const w = uniform(N, 54);
  return {
    name,
    x: asFloat32(uniform(N, 55, lo, hi)),
    v: uniform(N, 56),
    tape: (x) => tf.sum(tf.mul(vec(w), tf.square(g(x)))) as tf.Scalar,
    loss64: (x) => x.reduce((s, xi, i) => s + w[i] * g64(xi) ** 2, 0),
    grad64: (x) => x.map((xi, i) => 2 * w[i] * g64(xi) * dg64(xi)),
  };
}

const PIECEWISE: DerivativeCase[] = [
  piecewiseCase('relu6', tf.relu6, (x) => Math.min(Math.max(x, 0), 6), (x) => (x > 0 && x < 6 ? 1 : 0), -3, 9),
  piecewiseCase('clipByValue', (x) => tf.clipByValue(x, -0.4, 0.4), (x) => Math.min(Math.max(x, -0.4), 0.4), (x) => (x > -0.4 && x < 0.4 ? 1 : 0), -1, 1),
  piecewiseCase('maximum', (x) => tf.maximum(x, 0.2), (x) => Math.max(x, 0.2), (x) => (x > 0.2 ? 1 : 0), -1, 1),
  piecewiseCase('minimum', (x) => tf.minimum(x, 0.2), (x) => Math.min(x, 0.2), (x) => (x < 0.2 ? 1 : 0), -1, 1),
  piecewiseCase('leakyRelu', (x) => tf.leakyRelu(x, 0.2), (x) => (x > 0 ? x : 0.2 * x), (x) => (x > 0 ? 1 : 0.2), -1, 1),
  piecewiseCase('where', (x) => tf.where(tf.greater(x, 0), tf.sin(x), tf.mul(x, x)), (x) => (x > 0 ? Math.sin(x) : x * x), (x) => (x > 0 ? Math.cos(x) : 2 * x), -1, 1),
];

test('every mask case mixes selected and unselected entries', () => {
  for (const m of MASKS) assert.ok(mixes(m), `${m.kernel}: the mask should mix 0 and 1`);
});

for (const backend of GRADIENT_BACKENDS) {
  for (const c of [...MASKS.map(maskedCubicCase), ...PIECEWISE]) {
    test(`${backend}: derivatives through ${c.name} match float64`, async (t) => {
      if (!(await useBackend(backend, t))) return;
      const e = await derivativeErrors(c);
      assert.ok(e.reference < 1e-6, `float64 reference gradient off by ${e.reference}`);
      assert.ok(e.grad < TOL, `gradient relative error ${e.grad}`);
      assert.ok(e.hvp < TOL, `HVP relative error ${e.hvp}`);
    });
  }
}
