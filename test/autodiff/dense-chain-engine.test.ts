import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective, type ObjectiveEngine } from '../../src/autodiff/model-objective.js';
import { DenseKernelObjective } from '../../src/autodiff/dense-chain/kernel-objective.js';
import { DENSE_KERNEL_WASM } from '../../src/autodiff/dense-chain/dense-kernel-wasm.js';
import { KernelWorkspace } from '../../src/autodiff/dense-chain/dense-kernel.js';
import { assembleWat, DENSE_KERNEL_SOURCE } from '../../scripts/wasm-assemble.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { FLOAT64_TOLERANCE, runFloat64Check } from '../../src/check/float64-check.js';
import { makeProblemFor } from '../../src/check/problem.js';
import { relativeError } from '../../src/check/vectors.js';
import { mlp, modelByName, type ModelDef } from '../../src/models/zoo.js';
import type { ModelSpec } from '../../src/models/spec.js';
import { Rng } from '../../src/util/random.js';

/**
 * The dense-chain engine (src/autodiff/dense-chain): its WebAssembly functions against plain loops in
 * the same order of operations (equal to the last bit), its passes against the layers' engine (equal
 * to the last bit for relu and mse, whose every operation both compute alike; within float32 rounding
 * where tanh, sigmoid and exp come from different implementations), and against the float64
 * reference on chains with every ingredient: widths that are not multiples of 4 (padding), layers
 * without bias or activation, tanh, sigmoid, mse with two outputs, cross-entropy, masked rows.
 */

const f = Math.fround;

test('the committed WebAssembly is the assembly of dense-kernel.wat (else run npm run build:wasm)', async () => {
  const bytes = await assembleWat(readFileSync(DENSE_KERNEL_SOURCE, 'utf8'));
  assert.equal(Buffer.from(bytes).toString('base64'), DENSE_KERNEL_WASM);
});

function filled(ws: KernelWorkspace, values: Float32Array): number {
  const at = ws.alloc(values.length);
  ws.f32.set(values, at >> 2);
  return at;
}

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

test('gemm_nn and gemm_tn sum each product in order from zero or the bias, as plain float32 loops do', () => {
  const rng = new Rng(5);
  const ws = new KernelWorkspace();
  // row counts with and without a tail of 1-3 rows; widths with and without a half block of 4
  for (const [m, k, n] of [[1, 1, 4], [3, 5, 8], [4, 7, 12], [9, 12, 12], [13, 3, 20], [6, 16, 4], [8, 9, 12], [5, 6, 28], [12, 4, 52]]) {
    ws.reset();
    const A = random(rng, m * k);
    const B = random(rng, k * n);
    const bias = random(rng, n);
    const pa = filled(ws, A);
    const pb = filled(ws, B);
    const pbias = filled(ws, bias);
    const pc = ws.alloc(m * n);
    for (const withBias of [false, true]) {
      ws.k.gemm_nn(pa, k, pb, n, pc, n, m, k, n, withBias ? pbias : 0);
      const got = ws.floats(pc, m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = withBias ? bias[j] : 0;
          for (let p = 0; p < k; p++) acc = f(acc + f(A[i * k + p] * B[p * n + j]));
          assert.equal(got[i * n + j], acc, `gemm_nn ${m}x${k}x${n} bias ${withBias} at ${i},${j}`);
        }
      }
    }
    if (m % 4 === 0) {
      // C [m x n] = A'^T B' with A' [k x m] (A read as k rows of m), B' [k x n]
      const B2 = random(rng, k * n);
      const pb2 = filled(ws, B2);
      const pc2 = ws.alloc(m * n);
      ws.k.gemm_tn(pa, m, pb2, n, pc2, n, m, k, n);
      const got = ws.floats(pc2, m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc = f(acc + f(A[p * m + i] * B2[p * n + j]));
          assert.equal(got[i * n + j], acc, `gemm_tn ${m}x${k}x${n} at ${i},${j}`);
        }
      }
    }
  }
});

test('transpose, copy2d, colsum, add_row and the elementwise functions match plain float32 loops', () => {
  const rng = new Rng(6);
  const ws = new KernelWorkspace();
  const [rows, cols] = [7, 12];
  const A = random(rng, rows * cols);
  const B = random(rng, rows * cols);
  const C = random(rng, rows * cols);
  const D = random(rng, rows * cols);
  const v = random(rng, cols);
  const [pa, pb, pc, pd, pv] = [A, B, C, D, v].map((x) => filled(ws, x));
  const out = ws.alloc(rows * cols);
  const read = () => Float32Array.from(ws.floats(out, rows * cols));

  ws.k.transpose(pa, cols, out, rows, rows, cols);
  assert.deepEqual(read(), Float32Array.from({ length: rows * cols }, (_, t) => A[(t % rows) * cols + Math.floor(t / rows)]));
  ws.f32.fill(0, out >> 2, (out >> 2) + rows * cols);
  ws.k.copy2d(pa, cols, out, cols, rows, 5); // 5 of 12 columns: a scalar tail
  assert.deepEqual(read(), Float32Array.from({ length: rows * cols }, (_, t) => (t % cols < 5 ? A[t] : 0)));
  ws.k.colsum(pa, cols, rows, cols, out);
  const sums = Float32Array.from({ length: cols }, (_, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s = f(s + A[i * cols + j]);
    return s;
  });
  assert.deepEqual(Float32Array.from(ws.floats(out, cols)), sums);
  ws.f32.set(A, out >> 2);
  ws.k.add_row(out, cols, rows, cols, pv);
  assert.deepEqual(read(), Float32Array.from(A, (x, t) => f(x + v[t % cols])));
  ws.k.mul(pa, pb, out, rows * cols);
  assert.deepEqual(read(), Float32Array.from(A, (x, t) => f(x * B[t])));
  ws.k.add(pa, pb, out, rows * cols);
  assert.deepEqual(read(), Float32Array.from(A, (x, t) => f(x + B[t])));
  ws.k.mul_add_mul(pa, pb, pc, pd, out, rows * cols);
  assert.deepEqual(read(), Float32Array.from(A, (x, t) => f(f(x * B[t]) + f(C[t] * D[t]))));
});

test('activations: relu exactly, tanh and sigmoid within 2 float32 ulps of the true values, their derivatives from y as the layers form them', () => {
  const ws = new KernelWorkspace();
  const xs = Float32Array.from([
    0, -0, 1e-30, -1e-8, 1e-4, 0.3, -0.6249, 0.625, 0.6251, -1, 2.5, -7, 9.5, 20, -40, 44, 88, 89, -88, -104, 200, -200, 1e-39, 0.1,
  ]);
  const n = xs.length;
  const pz = filled(ws, xs);
  const [py, p1, p2] = [ws.alloc(n), ws.alloc(n), ws.alloc(n)];
  const ulp = (x: number) => {
    const a = Math.abs(f(x));
    if (a < 1.1754944e-38) return 1.4e-45;
    return 2 ** (Math.floor(Math.log2(a)) - 23);
  };
  for (const [kind, exact] of [[0, (x: number) => Math.max(x, 0)], [1, Math.tanh], [2, (x: number) => 1 / (1 + Math.exp(-x))]] as const) {
    ws.k.activation(kind, pz, py, p1, p2, n);
    const [y, d1, d2] = [py, p1, p2].map((p) => Float32Array.from(ws.floats(p, n)));
    xs.forEach((x, i) => {
      const want = exact(x);
      assert.ok(Math.abs(y[i] - want) <= 2 * ulp(want), `kind ${kind} at ${x}: ${y[i]} vs ${want}`);
      if (kind === 0) {
        assert.equal(d1[i], x > 0 ? 1 : 0);
      } else if (kind === 1) {
        assert.equal(d1[i], f(1 - f(y[i] * y[i])));
        assert.equal(d2[i], f(-2 * f(y[i] * d1[i])));
      } else {
        assert.equal(d1[i], f(y[i] * f(1 - y[i])));
        assert.equal(d2[i], f(d1[i] * f(1 - f(2 * y[i]))));
      }
    });
  }
});

/** input 4 -> dense -> tanh -> dense (no bias) -> dense (linear, no activation between) -> sigmoid -> dense -> 3 classes */
function mixedChain(): ModelDef {
  const spec: ModelSpec = {
    name: 'mixed-chain',
    inputShape: [4],
    outputSize: 3,
    params: [
      { name: 'd0/w', shape: [4, 5], init: { kind: 'truncnormal-linear', fanIn: 4 } },
      { name: 'd0/b', shape: [5], init: { kind: 'zeros' } },
      { name: 'd1/w', shape: [5, 4], init: { kind: 'truncnormal-linear', fanIn: 5 } },
      { name: 'd2/w', shape: [4, 3], init: { kind: 'truncnormal-linear', fanIn: 4 } },
      { name: 'd2/b', shape: [3], init: { kind: 'zeros' } },
      { name: 'd3/w', shape: [3, 3], init: { kind: 'truncnormal-linear', fanIn: 3 } },
      { name: 'd3/b', shape: [3], init: { kind: 'zeros' } },
    ],
    nodes: [
      { op: 'input' },
      { op: 'dense', input: 0, weight: 'd0/w', bias: 'd0/b' },
      { op: 'activation', input: 1, fn: 'tanh' },
      { op: 'dense', input: 2, weight: 'd1/w' },
      { op: 'dense', input: 3, weight: 'd2/w', bias: 'd2/b' },
      { op: 'activation', input: 4, fn: 'sigmoid' },
      { op: 'dense', input: 5, weight: 'd3/w', bias: 'd3/b' },
    ],
  };
  return { spec, loss: 'ce' };
}

const chains: [string, () => ModelDef][] = [
  ['UCI MLP relu', () => modelByName('uci-mlp')],
  ['UCI MLP tanh', () => modelByName('uci-mlp-tanh')],
  ['Fashion MLP', () => modelByName('fmnist-mlp')],
  ['sigmoid MLP, odd widths, two mse outputs', () => ({ spec: mlp({ name: 'sigmoid-mse', input: 3, hidden: [6, 5], output: 2, activation: 'sigmoid' }), loss: 'mse' })],
  ['tanh, no-bias and linear layers, sigmoid, cross-entropy', mixedChain],
];

for (const [name, make] of chains) {
  test(`wasm: ${name}: the dense-chain engine matches the float64 reference within ${FLOAT64_TOLERANCE}`, async () => {
    await initBackend('wasm', { tapeGradients: false });
    const def = make();
    const report = await runFloat64Check(makeProblemFor(def, 21, { batchSize: 11, maskedRows: [2, 7], directions: 2, avoidKinks: true }), { engine: 'dense-kernel' });
    assert.equal(report.engine, 'dense-kernel');
    assert.ok(report.maskedRows > 0);
    assert.ok(report.passed, `max relative error ${report.maxRelError}`);
  });
}

/** loss, gradient, H v, three H v at once and a point evaluation from one engine */
function products(def: ModelDef, engine: ObjectiveEngine, seed: number, rows: number) {
  const p = makeProblemFor(def, seed, { batchSize: rows, maskedRows: [1, rows - 2], directions: 4 });
  const batch = toEngineBatch(def, p.batch);
  return tf.tidy(() => {
    const params = tf.tensor1d(p.params);
    const o = modelObjective(def, params, batch, { engine });
    try {
      const vs = tf.tensor2d(p.directions.slice(0, 3).flatMap((d) => Array.from(d)), [3, params.size]);
      const other = tf.add(params, tf.mul(1e-2, tf.tensor1d(p.directions[3]))) as tf.Tensor1D;
      const at = o.at(other);
      return {
        kind: o instanceof DenseKernelObjective ? 'dense-kernel' : 'layers',
        loss: o.loss().dataSync()[0],
        grad: o.grad().dataSync() as Float32Array,
        hvp: o.hvp(tf.tensor1d(p.directions[0])).dataSync() as Float32Array,
        hvpBatch: o.hvpBatch(vs).dataSync() as Float32Array,
        atLoss: at.loss.dataSync()[0],
        atGrad: at.grad.dataSync() as Float32Array,
      };
    } finally {
      o.dispose();
      disposeBatch(batch);
    }
  });
}

test('wasm: on the UCI MLP (relu, mse) the dense-chain engine reproduces the layers engine to the last bit', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const def = modelByName('uci-mlp');
  for (const [seed, rows] of [[1, 588], [2, 37]]) {
    const [kernel, layers] = (['dense-kernel', 'layers'] as const).map((e) => products(def, e, seed, rows));
    assert.equal(kernel.kind, 'dense-kernel');
    assert.equal(layers.kind, 'layers');
    assert.equal(kernel.loss, layers.loss);
    assert.equal(kernel.atLoss, layers.atLoss);
    for (const key of ['grad', 'hvp', 'hvpBatch', 'atGrad'] as const) assert.deepEqual(kernel[key], layers[key], key);
  }
});

test('wasm: on tanh, sigmoid and cross-entropy chains the two engines agree within float32 rounding', async () => {
  await initBackend('wasm', { tapeGradients: false });
  for (const [name, make] of chains.slice(1)) {
    const [kernel, layers] = (['dense-kernel', 'layers'] as const).map((e) => products(make(), e, 3, 40));
    assert.ok(Math.abs(kernel.loss - layers.loss) <= 1e-6 * Math.abs(layers.loss), `${name}: loss`);
    for (const key of ['grad', 'hvp', 'hvpBatch', 'atGrad'] as const) {
      const err = relativeError(kernel[key], Float64Array.from(layers[key]));
      assert.ok(err <= 1e-6, `${name}: ${key} relative difference ${err}`);
    }
  }
});

test('engine choice: the dense-chain kernel for MLPs on wasm (unless SFN_ENGINE=layers), the layers elsewhere', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const pick = (model: string, engine?: ObjectiveEngine) => {
    const def = modelByName(model);
    const p = makeProblemFor(def, 1, { batchSize: 2 });
    const batch = toEngineBatch(def, p.batch);
    const params = tf.tensor1d(p.params);
    try {
      const o = modelObjective(def, params, batch, { engine });
      o.dispose();
      return o instanceof DenseKernelObjective ? 'dense-kernel' : 'layers';
    } finally {
      params.dispose();
      disposeBatch(batch);
    }
  };
  assert.equal(pick('uci-mlp'), 'dense-kernel');
  assert.equal(pick('fmnist-mlp'), 'dense-kernel');
  assert.equal(pick('uci-mlp', 'layers'), 'layers');
  assert.equal(pick('small-convnet'), 'layers');
  assert.throws(() => pick('small-convnet', 'dense-kernel'), /chains of dense layers only/);
  process.env.SFN_ENGINE = 'layers';
  try {
    assert.equal(pick('uci-mlp'), 'layers');
  } finally {
    delete process.env.SFN_ENGINE;
  }
  await initBackend('cpu', { tapeGradients: false });
  assert.equal(pick('uci-mlp'), 'layers');
  assert.equal(pick('uci-mlp', 'dense-kernel'), 'dense-kernel');
});

test('wasm: what the kernel does not compute comes from the layers engine: the explicit Hessian, Gauss-Newton products', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const def = modelByName('uci-mlp');
  const p = makeProblemFor(def, 4, { batchSize: 20, maskedRows: [3] });
  const batch = toEngineBatch(def, p.batch);
  const params = tf.tensor1d(p.params);
  const v = tf.tensor1d(p.directions[0]);
  const [kernel, layers] = [modelObjective(def, params, batch), modelObjective(def, params, batch, { engine: 'layers' })];
  try {
    assert.ok(kernel instanceof DenseKernelObjective);
    assert.deepEqual(await kernel.hessian(), await layers.hessian());
    const [gnKernel, gnLayers] = [kernel.gaussNewtonProduct(v), layers.gaussNewtonProduct(v)];
    assert.deepEqual(gnKernel.dataSync(), gnLayers.dataSync());
    tf.dispose([gnKernel, gnLayers]);
    assert.equal(kernel.batchNormStatistics().size, 0);
  } finally {
    kernel.dispose();
    layers.dispose();
    tf.dispose([params, v]);
    disposeBatch(batch);
  }
  assert.throws(() => kernel.grad(), /disposed/);
});
