import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { relativeError, uniform } from './helpers/check.js';
import { type PoolShape, avgPoolBackward64 } from './helpers/conv64.js';
import { runStockKernel } from './helpers/stock-kernel.js';

/**
 * The pooling backward kernels sfn registers, compared value by value with tfjs-cpu's own
 * MaxPoolGrad / MaxPoolWithArgmax (correct, same first-maximum convention) on random shapes,
 * all-negative inputs included; and the stock kernels they replace shown to be wrong:
 * wasm's max-pool kernels on negative windows, cpu's AvgPoolGrad at 'same' borders.
 */

interface Config extends PoolShape {
  lo: number;
  hi: number;
}

function randomConfigs(count: number, seed: number): Config[] {
  const r = uniform(count * 8, seed, 0, 1);
  const pick = <T>(u: number, options: T[]) => options[Math.floor(u * options.length)];
  return Array.from({ length: count }, (_, k) => {
    const u = r.subarray(8 * k, 8 * k + 8);
    const size = pick(u[0], [2, 3]);
    const pad = pick(u[1], ['same', 'valid'] as const);
    const h = size + Math.floor(u[2] * 6);
    const w = size + Math.floor(u[3] * 6);
    const negative = k % 2 === 1;
    return {
      x: [1 + Math.floor(u[4] * 2), h, w, 1 + Math.floor(u[5] * 3)] as [number, number, number, number],
      size,
      stride: pick(u[6], [1, 2]),
      pad,
      lo: negative ? -8 : -1,
      hi: negative ? -0.5 : 1,
    };
  });
}

const CONFIGS = randomConfigs(12, 701);

function attrsOf(c: PoolShape) {
  return { filterSize: c.size, strides: c.stride, pad: c.pad, dimRoundingMode: undefined };
}

function maxPoolGrad(c: Config, x: Float32Array, dy: Float32Array, stock?: string): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const y = tf.maxPool(xt, c.size, c.stride, c.pad);
    const dyt = tf.tensor(dy, y.shape);
    const inputs = { dy: dyt, input: xt, output: y };
    const dx = stock
      ? runStockKernel(tf.MaxPoolGrad, stock, inputs, attrsOf(c))[0]
      : (tf.engine().runKernel(tf.MaxPoolGrad, inputs, attrsOf(c) as unknown as tf.NamedAttrMap) as tf.Tensor);
    return dx.dataSync() as Float32Array;
  });
}

function data(c: Config, seed: number) {
  const x = Float32Array.from(uniform(c.x.reduce((a, b) => a * b, 1), seed, c.lo, c.hi));
  const dy = Float32Array.from(uniform(x.length, seed + 1)); // longer than needed; trimmed below
  return { x, dy };
}

function outSize(c: Config): number {
  return tf.tidy(() => tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.size, c.stride, c.pad).size);
}

test('MaxPoolGrad on cpu and wasm equals tfjs-cpu own kernel, negative windows included', async () => {
  for (const [k, c] of CONFIGS.entries()) {
    await initBackend('cpu');
    const { x, dy: dyAll } = data(c, 800 + k);
    const dy = dyAll.subarray(0, outSize(c));
    const want = maxPoolGrad(c, x, dy, 'cpu');
    // equal up to the order in which overlapping windows add into one pixel
    assert.ok(relativeError(maxPoolGrad(c, x, dy), want) < 1e-6, `cpu ${JSON.stringify(c)}`);
    await initBackend('wasm');
    const got = maxPoolGrad(c, x, dy);
    assert.ok(relativeError(got, want) < 1e-6, `wasm ${JSON.stringify(c)}: ${relativeError(got, want)}`);
  }
});

test("wasm's own MaxPoolGrad is wrong when a window holds only negative values", async () => {
  const c: Config = { x: [1, 4, 4, 1], size: 3, stride: 2, pad: 'same', lo: -5, hi: -1 };
  const { x, dy: dyAll } = data(c, 900);
  await initBackend('cpu');
  const dy = dyAll.subarray(0, outSize(c));
  const want = maxPoolGrad(c, x, dy, 'cpu');
  await initBackend('wasm');
  assert.ok(relativeError(maxPoolGrad(c, x, dy, 'wasm'), want) > 0.5, 'stock wasm kernel should disagree');
  assert.ok(relativeError(maxPoolGrad(c, x, dy), want) < 1e-6, 'sfn kernel agrees');
});

function withArgmax(c: Config, x: Float32Array, includeBatch: boolean, stock?: string) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.x);
    const attrs = { filterSize: c.size, strides: c.stride, pad: c.pad, includeBatchInIndex: includeBatch };
    const [values, indexes] = stock
      ? runStockKernel(tf.MaxPoolWithArgmax, stock, { x: xt }, attrs)
      : (tf.engine().runKernel(tf.MaxPoolWithArgmax, { x: xt }, attrs) as tf.Tensor[]);
    return { values: Array.from(values.dataSync()), indexes: Array.from(indexes.dataSync()) };
  });
}

test('MaxPoolWithArgmax on wasm equals tfjs-cpu own kernel (values and indexes)', async () => {
  for (const [k, c] of CONFIGS.entries()) {
    const { x } = data(c, 1000 + k);
    for (const includeBatch of [true, false]) {
      await initBackend('cpu');
      const want = withArgmax(c, x, includeBatch, 'cpu');
      await initBackend('wasm');
      assert.deepEqual(withArgmax(c, x, includeBatch), want, `${JSON.stringify(c)} includeBatch ${includeBatch}`);
    }
  }
  const negative: Config = { x: [1, 4, 4, 1], size: 3, stride: 2, pad: 'same', lo: -5, hi: -1 };
  const { x } = data(negative, 1100);
  await initBackend('cpu');
  const want = withArgmax(negative, x, true, 'cpu');
  await initBackend('wasm');
  assert.notDeepEqual(withArgmax(negative, x, true, 'wasm').values, want.values, "wasm's own kernel misses negative maxima");
});

test("AvgPoolGrad: sfn's kernel is avgPool's exact adjoint at 'same' borders, the stock cpu one is not", async () => {
  const c: PoolShape = { x: [2, 5, 5, 3], size: 3, stride: 2, pad: 'same' };
  const x = Float32Array.from(uniform(150, 1200));
  await initBackend('cpu');
  const outShape = tf.tidy(() => tf.avgPool(tf.tensor4d(x, c.x), c.size, c.stride, c.pad).shape);
  const gy = Float32Array.from(uniform(outShape.reduce((a, b) => a * b, 1), 1201));
  const want = avgPoolBackward64(Float64Array.from(gy), c);
  const run = (stock?: string) =>
    tf.tidy(() => {
      const inputs = { dy: tf.tensor(gy, outShape), input: tf.tensor4d(x, c.x) };
      const attrs = { filterSize: c.size, strides: c.stride, pad: c.pad };
      const dx = stock ? runStockKernel(tf.AvgPoolGrad, stock, inputs, attrs)[0] : (tf.engine().runKernel(tf.AvgPoolGrad, inputs, attrs) as tf.Tensor);
      return dx.dataSync() as Float32Array;
    });
  assert.ok(relativeError(run('cpu'), want) > 0.1, 'stock cpu AvgPoolGrad divides by the full window');
  assert.ok(relativeError(run(), want) < 1e-6, 'cpu');
  await initBackend('wasm');
  assert.ok(relativeError(run('wasm'), want) > 0.1, 'stock wasm AvgPoolGrad divides by the full window');
  assert.ok(relativeError(run(), want) < 1e-6, 'wasm');
});
