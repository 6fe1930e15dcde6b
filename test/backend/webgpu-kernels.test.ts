import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { conv2dBackpropFilter } from '../../src/backend/conv-backprop-filter.js';
import { addNKernel, axisGroups, padV2Kernel, tileKernel } from '../../src/backend/webgpu-kernels.js';
import { engineProducts } from '../../src/check/engine.js';
import { makeHvpProblem } from '../../src/check/problem.js';
import { readAndDispose, relativeError, uniform } from './helpers/check.js';
import { recordKernelCalls, replayKernelCalls } from './helpers/kernel-replay.js';
import { runStockKernel } from './helpers/stock-kernel.js';
import { useWebGpu } from './helpers/webgpu.js';

/**
 * sfn's webgpu kernels (src/backend/webgpu-kernels.ts) against cpu, and every kernel call the
 * engine makes for the check models replayed on webgpu against cpu.
 */

test('axisGroups: each group starts at an active axis (or axis 0) and takes the inactive axes after it', () => {
  assert.deepEqual(axisGroups([false, false, true, false, true, false]), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(axisGroups([true, true, false, false, false]), [[0], [1, 2, 3, 4]]);
  assert.deepEqual(axisGroups([false, false, false, false, false]), [[0, 1, 2, 3, 4]]);
});

interface Case {
  name: string;
  shapes: number[][];
  run: (...xs: tf.Tensor[]) => tf.Tensor;
}

const CASES: Case[] = [
  // the engine's max-pool tangent: the shape that broke webgpu's pad shader
  { name: 'pad, rank 6, two axes', shapes: [[6, 3, 1, 3, 1, 4]], run: (x) => tf.pad(x, [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]) },
  { name: 'pad, rank 6, every axis (two passes)', shapes: [[2, 3, 1, 2, 2, 3]], run: (x) => tf.pad(x, [[1, 0], [0, 1], [1, 1], [0, 2], [1, 0], [2, 1]], -2) },
  { name: 'pad, rank 5', shapes: [[2, 3, 4, 2, 3]], run: (x) => tf.pad(x, [[0, 0], [1, 2], [0, 0], [0, 0], [1, 0]]) },
  // global average pooling's transpose with a direction axis
  { name: 'broadcastTo (tile), rank 5', shapes: [[1, 6, 1, 1, 4]], run: (x) => tf.broadcastTo(x, [1, 6, 3, 3, 4]) },
  { name: 'tile, rank 6, five axes (two passes)', shapes: [[2, 1, 3, 2, 1, 2]], run: (x) => tf.tile(x, [2, 3, 1, 2, 2, 3]) },
  // batch norm's per-channel scale on [K, B, H, W, C]
  { name: 'multiply, rank 5 by rank 1', shapes: [[1, 6, 5, 5, 4], [4]], run: (a, b) => tf.mul(a, b) },
  { name: 'subtract, rank 1 from rank 5', shapes: [[4], [1, 1, 1, 1, 4]], run: (a, b) => tf.sub(a, b) },
  { name: 'add, rank 6 and rank 1', shapes: [[2, 1, 2, 3, 2, 5], [5]], run: (a, b) => tf.add(a, b) },
  { name: 'maximum, rank 5 and rank 1', shapes: [[2, 3, 2, 2, 3], [3]], run: (a, b) => tf.maximum(a, b) },
  // more inputs than a shader may bind: evaluation's per-chunk sums, a linear combination of 2N+1 = 13 partial sums
  { name: 'addN of 10 scalars', shapes: Array.from({ length: 10 }, () => []), run: (...xs) => tf.addN(xs) },
  { name: 'addN of 13 vectors', shapes: Array.from({ length: 13 }, () => [37]), run: (...xs) => tf.addN(xs) },
];

function inputsOf(c: Case, seed: number): tf.Tensor[] {
  return c.shapes.map((s, i) => tf.tensor(Float32Array.from(uniform(s.reduce((a, b) => a * b, 1), seed + i)), s));
}

async function runOn(backend: 'cpu' | 'webgpu', c: Case, seed: number): Promise<Float32Array> {
  if (backend === 'cpu') await initBackend('cpu');
  const xs = inputsOf(c, seed);
  const out = tf.tidy(() => c.run(...xs.map((x) => tf.add(x, 0)))); // inputs on the device first
  tf.dispose(xs);
  return readAndDispose(out);
}

for (const [k, c] of CASES.entries()) {
  test(`webgpu: ${c.name} equals cpu`, async (t) => {
    const want = await runOn('cpu', c, 50 + 10 * k);
    if (!(await useWebGpu(t))) return;
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    try {
      const got = await runOn('webgpu', c, 50 + 10 * k);
      assert.equal(got.length, want.length);
      assert.ok(relativeError(got, want) < 1e-6, `relative error ${relativeError(got, want)}`);
    } finally {
      tf.env().set('WEBGPU_CPU_FORWARD', true);
    }
  });
}

test("webgpu: the kernels sfn registers are in place, and webgpu's own Tile cannot take rank 5", async (t) => {
  if (!(await useWebGpu(t))) return;
  assert.equal(tf.getKernel(tf.PadV2, 'webgpu')?.kernelFunc, padV2Kernel);
  assert.equal(tf.getKernel(tf.Tile, 'webgpu')?.kernelFunc, tileKernel);
  assert.equal(tf.getKernel(tf.AddN, 'webgpu')?.kernelFunc, addNKernel);
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  const x = tf.tidy(() => tf.add(tf.ones([1, 6, 1, 1, 4]), 0)); // on the device, not readable synchronously
  tf.env().set('WEBGPU_CPU_FORWARD', true);
  assert.throws(() => runStockKernel(tf.Tile, 'webgpu', { x }, { reps: [1, 1, 3, 3, 1] }), /synchronous read .* cannot run on the webgpu backend/);
  x.dispose();
});

// ResNet-18's layers at batch 8 and two small ones: webgpu keeps its own filter-gradient kernel,
// compared here with sfn's on cpu (itself compared with tfjs-cpu's and float64 in conv-backprop-filter.test.ts).
const FILTER_CONFIGS: { x: [number, number, number, number]; filter: [number, number, number, number]; strides: number; pad: 'same' | 'valid' }[] = [
  { x: [8, 32, 32, 3], filter: [7, 7, 3, 64], strides: 2, pad: 'same' },
  { x: [8, 8, 8, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'same' },
  { x: [8, 8, 8, 64], filter: [1, 1, 64, 128], strides: 2, pad: 'same' },
  { x: [8, 1, 1, 512], filter: [3, 3, 512, 16], strides: 1, pad: 'same' },
  { x: [2, 7, 6, 2], filter: [3, 2, 2, 3], strides: 2, pad: 'valid' },
];

test("webgpu: its own Conv2DBackpropFilter equals sfn's on cpu for ResNet-18's layers", async (t) => {
  const run = async (c: (typeof FILTER_CONFIGS)[number], seed: number) => {
    const x = tf.tensor4d(Float32Array.from(uniform(c.x.reduce((a, b) => a * b, 1), seed)), c.x);
    const outShape = tf.tidy(() => tf.conv2d(x, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
    const dy = tf.tensor4d(Float32Array.from(uniform(outShape.reduce((a, b) => a * b, 1), seed + 1)), outShape as [number, number, number, number]);
    const dW = conv2dBackpropFilter(x, dy, c.filter, c.strides, c.pad);
    tf.dispose([x, dy]);
    return readAndDispose(dW);
  };
  const wants: Float32Array[] = [];
  await initBackend('cpu');
  for (const [k, c] of FILTER_CONFIGS.entries()) wants.push(await run(c, 700 + 2 * k));
  if (!(await useWebGpu(t))) return;
  for (const [k, c] of FILTER_CONFIGS.entries()) {
    const err = relativeError(await run(c, 700 + 2 * k), wants[k]);
    assert.ok(err < 1e-5, `${JSON.stringify(c)}: relative error ${err}`);
  }
});

test('webgpu: every kernel call of the engine on the check models gives what it gives on cpu', async (t) => {
  await initBackend('cpu', { tapeGradients: false });
  const calls = await recordKernelCalls(async () => {
    for (const model of ['uci-mlp-tanh', 'small-convnet'] as const) {
      const p = makeHvpProblem(model, 1);
      await engineProducts(p.def, p.params, p.batch, p.directions);
    }
  });
  assert.ok(calls.length > 200, `${calls.length} distinct kernel calls recorded`);
  assert.ok(calls.some((c) => c.inputs.some(([, r]) => r !== null && r.shape.length >= 5)), 'ranks 5 and 6 are among them');
  if (!(await useWebGpu(t))) return;
  tf.env().set('WEBGPU_CPU_FORWARD', false); // every kernel on the device, as for large tensors
  try {
    const failures = await replayKernelCalls(calls, 1e-5);
    assert.deepEqual(failures, []);
  } finally {
    tf.env().set('WEBGPU_CPU_FORWARD', true);
  }
});
