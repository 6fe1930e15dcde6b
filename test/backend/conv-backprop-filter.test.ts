import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import {
  type ConvPad,
  type FilterShape,
  conv2dBackpropFilter,
  conv2dBackpropFilterComposite,
  conv2dBackpropFilterKernel,
} from '../../src/backend/conv-backprop-filter.js';
import { relativeError, uniform } from './helpers/check.js';
import { runStockKernel } from './helpers/stock-kernel.js';
import { conv2dBackpropFilter64 } from './helpers/conv64.js';

/**
 * wasm has no Conv2DBackpropFilter kernel and cpu's own is slow; sfn's (one dilated
 * convolution, registered on both) is compared with tfjs-cpu's own kernel on ResNet-18 and
 * random shapes, strides 1-3 and 'same', 'valid', numeric and explicit padding. Float32 sums
 * in a different order: relative error bound 1e-5.
 */

const TOL = 1e-5;

interface Config {
  x: [number, number, number, number];
  filter: FilterShape;
  strides: number | [number, number];
  pad: ConvPad;
}

function randomConfigs(count: number, seed: number): Config[] {
  const r = uniform(count * 10, seed, 0, 1);
  const int = (u: number, lo: number, hi: number) => lo + Math.floor(u * (hi - lo + 1));
  const pads: ((kh: number, kw: number) => ConvPad)[] = [
    () => 'same',
    () => 'valid',
    () => 1,
    (kh, kw) => [[0, 0], [kh - 1, 0], [0, kw > 1 ? 1 : 0], [0, 0]],
  ];
  return Array.from({ length: count }, (_, k): Config => {
    const u = r.subarray(10 * k, 10 * k + 10);
    const kh = int(u[0], 1, 4);
    const kw = int(u[1], 1, 4);
    const sh = int(u[2], 1, 3);
    const sw = u[3] < 0.7 ? sh : int(u[3], 1, 3);
    const ci = int(u[7], 1, 5);
    return {
      x: [int(u[4], 1, 3), int(u[5], kh, 9), int(u[6], kw, 9), ci],
      filter: [kh, kw, ci, int(u[8], 1, 6)],
      strides: sh === sw ? sh : [sh, sw],
      pad: pads[Math.floor(u[9] * pads.length)](kh, kw),
    };
  });
}

// ResNet-18 layers at batch 8 (32x32 input, ImageNet stem), plus the random configurations.
const CONFIGS: Config[] = [
  { x: [8, 32, 32, 3], filter: [7, 7, 3, 64], strides: 2, pad: 'same' },
  { x: [8, 8, 8, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'same' },
  { x: [8, 8, 8, 64], filter: [1, 1, 64, 128], strides: 2, pad: 'same' },
  { x: [8, 1, 1, 512], filter: [3, 3, 512, 16], strides: 1, pad: 'same' },
  ...randomConfigs(24, 1301),
];

function inputs(c: Config, seed: number) {
  const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
  return {
    x: Float32Array.from(uniform(c.x.reduce((a, b) => a * b, 1), seed)),
    dy: Float32Array.from(uniform(outShape.reduce((a, b) => a * b, 1), seed + 1)),
    dyShape: outShape as [number, number, number, number],
  };
}

type Variant = 'kernel' | 'stock cpu kernel';

function filterGrad(c: Config, d: ReturnType<typeof inputs>, variant: Variant): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(d.x, c.x);
    const dy = tf.tensor4d(d.dy, d.dyShape);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
    const dW =
      variant === 'stock cpu kernel'
        ? runStockKernel(tf.Conv2DBackpropFilter, 'cpu', { x, dy }, attrs)[0]
        : conv2dBackpropFilter(x, dy, c.filter, c.strides, c.pad);
    assert.deepEqual(dW.shape, c.filter);
    return dW.dataSync() as Float32Array;
  });
}

function float64FilterGrad(c: Config, d: ReturnType<typeof inputs>): Float64Array {
  if (typeof c.strides !== 'number' || (c.pad !== 'same' && c.pad !== 'valid' && typeof c.pad !== 'number')) {
    throw new Error('the float64 reference takes one stride and same, valid or numeric padding');
  }
  return conv2dBackpropFilter64(Float64Array.from(d.x), Float64Array.from(d.dy), { x: c.x, filter: c.filter, stride: c.strides, pad: c.pad });
}

test('sfn Conv2DBackpropFilter on wasm and cpu equals tfjs-cpu own kernel on ResNet and random shapes', async () => {
  for (const [k, c] of CONFIGS.entries()) {
    await initBackend('cpu');
    const d = inputs(c, 1400 + 2 * k);
    // the stock kernel takes 2 s on each of the first two ResNet shapes: there the float64
    // convolution written from its definition is the reference
    const want = k < 2 ? float64FilterGrad(c, d) : filterGrad(c, d, 'stock cpu kernel');
    const onCpu = relativeError(filterGrad(c, d, 'kernel'), want);
    assert.ok(onCpu < TOL, `cpu ${JSON.stringify(c)}: ${onCpu}`);
    await initBackend('wasm');
    const onWasm = relativeError(filterGrad(c, d, 'kernel'), want);
    assert.ok(onWasm < TOL, `wasm ${JSON.stringify(c)}: ${onWasm}`);
  }
});

test('wasm and cpu run sfn Conv2DBackpropFilter kernel', async () => {
  for (const backend of ['wasm', 'cpu']) {
    await initBackend(backend);
    assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, backend).kernelFunc, conv2dBackpropFilterKernel);
  }
});

test('a dy of the wrong shape is named in the error', async () => {
  await initBackend('wasm');
  const x = tf.zeros([1, 5, 5, 2]) as tf.Tensor4D;
  const dy = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  assert.throws(() => conv2dBackpropFilterComposite(x, dy, [3, 3, 2, 3], 1, 'same'), /dy has shape \[1,4,4,3\], expected \[1,5,5,3\]/);
  tf.dispose([x, dy]);
});
