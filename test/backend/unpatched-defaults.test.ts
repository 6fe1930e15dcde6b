import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { defaultGradient } from '../../src/backend/default-gradients.js';
import { installKernelFixes } from '../../src/backend/kernel-fixes.js';
import { type DerivativeCase, asFloat32, derivativeErrors, uniform, vec } from './helpers/check.js';
import { ELEMENTWISE_CASES } from './helpers/elementwise-cases.js';

/**
 * The checks can fail: with tfjs-core's stock gradient put back for one kernel, the same
 * float64 comparison that the fixed gradients pass (errors < 1e-5) reports O(1) errors in the
 * Hessian-vector product, or the tape cannot differentiate at all.
 */

const HVP_TOL = 1e-5;

async function hvpErrorOrThrow(c: DerivativeCase): Promise<{ hvp: number; grad: number } | Error> {
  try {
    return await derivativeErrors(c);
  } catch (e) {
    return e as Error;
  }
}

async function withStockGradient<T>(kernelName: string, run: () => Promise<T>): Promise<T> {
  await initBackend('cpu');
  const stock = defaultGradient(kernelName);
  assert.ok(stock, `tfjs-core's own gradient for ${kernelName} was loaded`);
  tf.registerGradient(stock);
  try {
    return await run();
  } finally {
    installKernelFixes(tf.getBackend());
  }
}

const SAVED_OUTPUT_KERNELS: Record<string, string> = {
  Tanh: 'Tanh',
  Sigmoid: 'Sigmoid',
  Exp: 'Exp',
  Elu: 'Elu',
  Softmax: 'Softmax',
  Pow: 'Pow',
};

for (const [caseName, kernel] of Object.entries(SAVED_OUTPUT_KERNELS)) {
  test(`stock ${kernel} gradient fails the second-derivative check that the fix passes`, async () => {
    const c = ELEMENTWISE_CASES.find((k) => k.name === caseName)!;
    const stock = await withStockGradient(kernel, () => hvpErrorOrThrow(c));
    if (stock instanceof Error) {
      assert.match(stock.message, /gradient/i);
    } else {
      assert.ok(stock.grad < 1e-5, `the stock first derivative is right (${stock.grad})`);
      assert.ok(stock.hvp > 1e-2, `stock HVP error ${stock.hvp} should be large`);
    }
    const fixed = await derivativeErrors(c);
    assert.ok(fixed.hvp < HVP_TOL, `fixed HVP error ${fixed.hvp}`);
  });
}

test('without a zero gradient for LogicalAnd, clipByValue cannot be differentiated twice', async () => {
  await initBackend('cpu');
  const w = uniform(8, 61);
  const c: DerivativeCase = {
    name: 'clipByValue',
    x: asFloat32(uniform(8, 62)),
    v: uniform(8, 63),
    tape: (x) => tf.sum(tf.mul(vec(w), tf.square(tf.clipByValue(x, -0.4, 0.4)))) as tf.Scalar,
    loss64: (x) => x.reduce((s, xi, i) => s + w[i] * Math.min(Math.max(xi, -0.4), 0.4) ** 2, 0),
    grad64: (x) => x.map((xi, i) => (Math.abs(xi) < 0.4 ? 2 * w[i] * xi : 0)),
  };
  tf.unregisterGradient('LogicalAnd');
  try {
    await assert.rejects(derivativeErrors(c), /gradient function not found for LogicalAnd/);
  } finally {
    installKernelFixes(tf.getBackend());
  }
  assert.ok((await derivativeErrors(c)).hvp < HVP_TOL);
});
