import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { installKernelFixes } from '../../src/backend/kernel-fixes.js';
import { GRADIENT_BACKENDS, type DerivativeCase, derivativeErrors, uniform, vec } from './helpers/check.js';
import { useBackend } from './helpers/webgpu.js';
import { type ConvShape, conv2d64, conv2dBackpropFilter64, conv2dBackpropInput64, convGeometry } from './helpers/conv64.js';

/**
 * Second derivatives of a convolution in both its input and its filter. With
 * theta = [x, W] and f = 0.5 * sum(c * conv(x, W)^2) + sum(d * conv(x, W)), the gradient is
 * Conv2DBackpropInput(c*y + d, W) and Conv2DBackpropFilter(x, c*y + d); the HVP differentiates
 * both kernels again in both their arguments, i.e. it runs the registered gradients of
 * Conv2DBackpropFilter and Conv2DBackpropInput (and, on wasm, sfn's Conv2DBackpropFilter kernel).
 */

const TOL = 1e-5;

const SHAPES: ConvShape[] = [
  { x: [2, 5, 5, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 6, 5, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'same' },
  { x: [2, 7, 6, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'valid' },
  { x: [1, 5, 4, 2], filter: [2, 2, 2, 2], stride: 1, pad: 'valid' },
  { x: [2, 5, 5, 3], filter: [1, 1, 3, 2], stride: 2, pad: 'same' },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], stride: 2, pad: 1 },
];

function convCase(shape: ConvShape, seed: number): DerivativeCase {
  const g = convGeometry(shape);
  const nx = shape.x.reduce((a, b) => a * b, 1);
  const nf = shape.filter.reduce((a, b) => a * b, 1);
  const ny = g.n * g.oh * g.ow * g.co;
  const c = uniform(ny, seed + 1);
  const d = uniform(ny, seed + 2);
  const split = (t: Float64Array) => [t.subarray(0, nx), t.subarray(nx)] as const;
  const gradY = (y: Float64Array) => y.map((yi, i) => c[i] * yi + d[i]);
  return {
    name: `conv ${JSON.stringify(shape)}`,
    x: uniform(nx + nf, seed + 3),
    v: uniform(nx + nf, seed + 4),
    tape: (t) => {
      const x = tf.reshape(tf.slice(t, 0, nx), shape.x) as tf.Tensor4D;
      const w = tf.reshape(tf.slice(t, nx, nf), shape.filter) as tf.Tensor4D;
      const y = tf.reshape(tf.conv2d(x, w, shape.stride, shape.pad), [ny]);
      return tf.add(tf.mul(0.5, tf.sum(tf.mul(vec(c), tf.square(y)))), tf.sum(tf.mul(vec(d), y))) as tf.Scalar;
    },
    loss64: (t) => {
      const [x, w] = split(t);
      return conv2d64(x, w, shape).reduce((s, yi, i) => s + 0.5 * c[i] * yi * yi + d[i] * yi, 0);
    },
    grad64: (t) => {
      const [x, w] = split(t);
      const gy = gradY(conv2d64(x, w, shape));
      const out = new Float64Array(nx + nf);
      out.set(conv2dBackpropInput64(gy, w, shape), 0);
      out.set(conv2dBackpropFilter64(x, gy, shape), nx);
      return out;
    },
  };
}

for (const backend of GRADIENT_BACKENDS) {
  SHAPES.forEach((shape, k) => {
    const c = convCase(shape, 100 + 10 * k);
    test(`${backend}: ${c.name} gradient and HVP in (x, W) match float64`, async (t) => {
      if (!(await useBackend(backend, t))) return;
      const e = await derivativeErrors(c);
      assert.ok(e.reference < 1e-6, `float64 reference gradient off by ${e.reference}`);
      assert.ok(e.grad < TOL, `gradient relative error ${e.grad}`);
      assert.ok(e.hvp < TOL, `HVP relative error ${e.hvp}`);
    });
  });
}

test('without the registered Conv2DBackpropFilter gradient the HVP cannot be taken', async () => {
  await initBackend('cpu');
  const c = convCase(SHAPES[1], 200);
  tf.unregisterGradient(tf.Conv2DBackpropFilter);
  try {
    await assert.rejects(derivativeErrors(c), /gradient function not found for Conv2DBackpropFilter/);
  } finally {
    installKernelFixes(tf.getBackend());
  }
  assert.ok((await derivativeErrors(c)).hvp < TOL);
});
