import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { GRADIENT_BACKENDS, type DerivativeCase, derivativeErrors, uniform, vec } from './helpers/check.js';
import { useBackend } from './helpers/webgpu.js';
import { type PoolShape, avgPool64, avgPoolBackward64, maxPoolArgmax64, poolWindows } from './helpers/conv64.js';

/**
 * First and second derivatives of max and average pooling against float64. With
 * f = 0.5 * sum(c * pool(x)^2) + sum(d * pool(x)), the gradient runs the MaxPoolGrad /
 * AvgPoolGrad kernels sfn registers, and the HVP runs their registered gradients.
 * Max pooling is piecewise linear: the float64 reference keeps each window's argmax fixed
 * (random inputs have no ties and steps of 1e-5 do not change them). 'same' windows at the
 * border hold fewer pixels: avgPool averages over the pixels inside, and so must its gradient.
 */

const TOL = 1e-5;

const MAX_SHAPES: (PoolShape & { lo: number; hi: number })[] = [
  { x: [2, 5, 5, 3], size: 3, stride: 2, pad: 'same', lo: -1, hi: 1 },
  { x: [2, 5, 5, 3], size: 3, stride: 2, pad: 'same', lo: -6, hi: -1 }, // every value negative
  { x: [1, 4, 6, 2], size: 2, stride: 2, pad: 'valid', lo: -1, hi: 1 },
  { x: [1, 5, 4, 2], size: 3, stride: 1, pad: 'same', lo: -3, hi: -0.5 },
];

const AVG_SHAPES: PoolShape[] = [
  { x: [2, 5, 5, 3], size: 3, stride: 2, pad: 'same' },
  { x: [1, 4, 6, 2], size: 2, stride: 2, pad: 'valid' },
  { x: [1, 5, 4, 2], size: 3, stride: 1, pad: 'same' },
];

function poolCase(
  kind: 'max' | 'avg',
  p: PoolShape,
  seed: number,
  lo = -1,
  hi = 1,
): DerivativeCase {
  const nx = p.x.reduce((a, b) => a * b, 1);
  const ny = poolWindows(p).windows.length;
  const c = uniform(ny, seed + 1);
  const d = uniform(ny, seed + 2);
  const x0 = uniform(nx, seed + 3, lo, hi);
  // the float64 max pool keeps the base point's argmax (constant near x0)
  const argmax = maxPoolArgmax64(x0, p);
  const pool64 = (x: Float64Array) => (kind === 'max' ? Float64Array.from(argmax, (i) => x[i]) : avgPool64(x, p));
  return {
    name: `${kind}Pool ${JSON.stringify({ ...p, values: [lo, hi] })}`,
    x: x0,
    v: uniform(nx, seed + 4),
    tape: (t) => {
      const x = tf.reshape(t, p.x) as tf.Tensor4D;
      const y = tf.reshape(kind === 'max' ? tf.maxPool(x, p.size, p.stride, p.pad) : tf.avgPool(x, p.size, p.stride, p.pad), [ny]);
      return tf.add(tf.mul(0.5, tf.sum(tf.mul(vec(c), tf.square(y)))), tf.sum(tf.mul(vec(d), y))) as tf.Scalar;
    },
    loss64: (x) => pool64(x).reduce((s, yi, i) => s + 0.5 * c[i] * yi * yi + d[i] * yi, 0),
    grad64: (x) => {
      const gy = pool64(x).map((yi, i) => c[i] * yi + d[i]);
      if (kind === 'avg') return avgPoolBackward64(gy, p);
      const gx = new Float64Array(nx);
      argmax.forEach((i, o) => (gx[i] += gy[o]));
      return gx;
    },
  };
}

const CASES: DerivativeCase[] = [
  ...MAX_SHAPES.map((p, k) => poolCase('max', p, 300 + 10 * k, p.lo, p.hi)),
  ...AVG_SHAPES.map((p, k) => poolCase('avg', p, 400 + 10 * k)),
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
