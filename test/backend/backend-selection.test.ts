import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_NAMES,
  BackendError,
  conv2dBackpropFilter,
  describeBackend,
  formatBackend,
  initBackend,
  resolveBackendName,
} from '../../src/backend/index.js';
import { requestedWasmThreads } from '../../src/backend/wasm-threads.js';
import { relativeError } from './helpers/check.js';

test('choice: argument, else SFN_BACKEND, else wasm', () => {
  assert.equal(resolveBackendName(undefined, {}), 'wasm');
  assert.equal(resolveBackendName(undefined, { SFN_BACKEND: 'cpu' }), 'cpu');
  assert.equal(resolveBackendName('wasm', { SFN_BACKEND: 'cpu' }), 'wasm');
  assert.equal(resolveBackendName('CPU', {}), 'cpu');
  assert.deepEqual([...BACKEND_NAMES], ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu']);
});

test('an unknown backend gives one error naming it, the valid names and the install command', async () => {
  await assert.rejects(initBackend('webgl'), (e: unknown) => {
    assert.ok(e instanceof BackendError);
    assert.match(e.message, /Unknown backend 'webgl' \(from --backend\)/);
    assert.match(e.message, /wasm, cpu, tensorflow, tensorflow-gpu, webgpu/);
    assert.match(e.message, /npm install @tensorflow\/tfjs-node/);
    assert.match(e.message, /'webgpu' needs `npm install webgpu@0\.6\.2 @tensorflow\/tfjs-backend-webgpu@4\.22\.0`/);
    return true;
  });
  assert.throws(() => resolveBackendName(undefined, { SFN_BACKEND: 'gpu' }), /Unknown backend 'gpu' \(from SFN_BACKEND\)/);
});

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

for (const [name, pkg] of [
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
] as const) {
  test(`'${name}' works when ${pkg} is installed, else says how to install it`, async () => {
    if (installed(pkg)) {
      assert.equal(await initBackend(name), name);
      assert.equal(describeBackend().name, name);
      return;
    }
    await assert.rejects(initBackend(name), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, new RegExp(`Backend '${name}' needs the optional package ${pkg}`));
      assert.match(e.message, new RegExp(`npm install ${pkg}\``));
      return true;
    });
  });
}

test('describeBackend and formatBackend report the backend in use', async () => {
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.deepEqual(describeBackend(), { name: 'cpu', threads: 1, simd: false, tapeGradients: true });
  assert.equal(formatBackend(), 'backend cpu (no SIMD, 1 thread)');
  assert.equal(await initBackend(), process.env.SFN_BACKEND ?? 'wasm');
  assert.equal(await initBackend('wasm'), 'wasm');
  const d = describeBackend();
  assert.equal(d.name, 'wasm');
  assert.equal(d.simd, true);
  assert.equal(d.tapeGradients, true);
  assert.equal(tf.getBackend(), 'wasm');
});

test('initBackend is idempotent: a second call changes no registration', async () => {
  await initBackend('wasm');
  const kernels = tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k.kernelFunc] as const);
  const gradients = ['Tanh', 'Softmax', 'MaxPool', 'Conv2DBackpropFilter'].map((k) => tf.getGradient(k));
  await initBackend('wasm');
  assert.deepEqual(tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k.kernelFunc] as const), kernels);
  assert.deepEqual(['Tanh', 'Softmax', 'MaxPool', 'Conv2DBackpropFilter'].map((k) => tf.getGradient(k)), gradients);
});

test('SFN_WASM_THREADS: a count from 1 to 8 or auto, else a clear error', () => {
  assert.equal(requestedWasmThreads(undefined, {}), 1);
  assert.equal(requestedWasmThreads(undefined, { SFN_WASM_THREADS: '2' }), 2);
  assert.equal(requestedWasmThreads(3, { SFN_WASM_THREADS: '2' }), 3);
  assert.ok(requestedWasmThreads(undefined, { SFN_WASM_THREADS: 'auto' }) >= 1);
  assert.throws(() => requestedWasmThreads(undefined, { SFN_WASM_THREADS: 'many' }), /Invalid wasm thread count from SFN_WASM_THREADS='many'/);
  assert.throws(() => requestedWasmThreads(0), /Invalid wasm thread count/);
});

test('threaded wasm starts in Node, computes the same numbers, and lets the process exit', async () => {
  const child = fileURLToPath(new URL('./fixtures/wasm-threads-child.ts', import.meta.url));
  const run = (threads: string) =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', child], {
        env: { ...process.env, SFN_WASM_THREADS: threads },
        timeout: 60_000,
        encoding: 'utf8',
      }),
    ) as { threads: number; dW: number[] };
  const two = run('2');
  const one = run('1');
  assert.equal(two.threads, 2);
  assert.equal(one.threads, 1);
  assert.ok(relativeError(two.dW, one.dW) < 1e-6);
  // and the same as this process computes
  await initBackend('cpu');
  const x = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 8 * 16 }, (_, i) => Math.sin(i)), [8, 8, 8, 16]);
  const dy = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 8 * 32 }, (_, i) => Math.cos(i)), [8, 8, 8, 32]);
  const dW = conv2dBackpropFilter(x, dy, [3, 3, 16, 32], 1, 'same');
  assert.ok(relativeError(two.dW, dW.dataSync()) < 1e-5);
  tf.dispose([x, dy, dW]);
});

test('tapeGradients: false skips loading the stock gradients, and tf.grad users are told so', () => {
  const child = fileURLToPath(new URL('./fixtures/no-tape-child.ts', import.meta.url));
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', child], { timeout: 60_000, encoding: 'utf8' }));
  assert.equal(out.tapeGradients, false);
  assert.match(out.message, /tf.grad is not available on backend 'cpu': initBackend\(\) ran with tapeGradients: false/);
});
