import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { denseChain } from '../../src/autodiff/dense-chain-hessian.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { makeProblemFor, type HvpProblem } from '../../src/check/problem.js';
import { relativeError } from '../../src/check/vectors.js';
import { referenceHessian } from '../../src/reference/index.js';
import { mlp, modelByName, type ModelDef } from '../../src/models/zoo.js';
import type { ModelSpec } from '../../src/models/spec.js';

/**
 * The direct Hessian of dense chains (dense-chain-hessian.ts, what hessian() uses for MLPs)
 * against the float64 reference Hessian and against the Hessian from batched HVPs, for every
 * ingredient of its formula: relu (no phi''), tanh and sigmoid (phi''), mse and softmax
 * cross-entropy, layers without bias or without activation, padding rows.
 */

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

const cases: [string, () => ModelDef][] = [
  // (the UCI MLP itself, 1057 parameters, is in hessian-reference.test.ts; these are its shape, smaller)
  ['deep relu MLP, mse', () => ({ spec: mlp({ name: 'deep-relu', input: 8, hidden: [5, 5, 5, 5], output: 1, activation: 'relu' }), loss: 'mse' })],
  ['deep tanh MLP, mse', () => ({ spec: mlp({ name: 'deep-tanh', input: 8, hidden: [5, 5, 5, 5], output: 1, activation: 'tanh' }), loss: 'mse' })],
  ['sigmoid MLP, two mse outputs', () => ({ spec: mlp({ name: 'sigmoid-mse', input: 3, hidden: [6, 5], output: 2, activation: 'sigmoid' }), loss: 'mse' })],
  ['relu MLP, cross-entropy', () => ({ spec: mlp({ name: 'relu-ce', input: 6, hidden: [7], output: 4, activation: 'relu' }), loss: 'ce' })],
  ['tanh, no-bias and linear layers, sigmoid, cross-entropy', mixedChain],
];

async function hessians(def: ModelDef, p: HvpProblem) {
  const batch = toEngineBatch(def, p.batch);
  const params = tf.tensor1d(p.params);
  const direct = modelObjective(def, params, batch);
  const byProducts = modelObjective(def, params, batch, { hessianByProducts: true, hessianChunk: 7 });
  try {
    const h = await direct.hessian(); // (caches the forward and backward passes, kept until dispose)
    const before = tf.memory().numTensors;
    await direct.hessian();
    const leaked = tf.memory().numTensors - before;
    return { direct: h, products: await byProducts.hessian(), leaked };
  } finally {
    direct.dispose();
    byProducts.dispose();
    tf.dispose(params);
    disposeBatch(batch);
  }
}

for (const backend of ['cpu', 'wasm']) {
  for (const [name, make] of cases) {
    test(`${backend}: ${name}: the direct Hessian equals the float64 Hessian and the one from HVPs`, async (t) => {
      await initBackend(backend, { tapeGradients: false });
      const def = make();
      assert.notEqual(denseChain(def.spec), null, 'a dense chain');
      const p = makeProblemFor(def, 31, { batchSize: 12, maskedRows: [2, 7], avoidKinks: true });
      const n = p.params.length;
      const { direct, products, leaked } = await hessians(def, p);
      assert.equal(direct.length, n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) assert.equal(direct[i * n + j], direct[j * n + i], `symmetric at (${i}, ${j})`);
      }
      const reference = referenceHessian(def, p.params, p.batch);
      const err = relativeError(direct, reference);
      const agree = relativeError(direct, products);
      t.diagnostic(`n ${n}: against float64 ${err.toExponential(2)}, against HVPs ${agree.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error against the float64 Hessian ${err}`);
      assert.ok(agree <= 1e-5, `relative difference from the Hessian by HVPs ${agree}`);
      assert.equal(leaked, 0, 'hessian() keeps no tensors');
    });
  }
}

test('only plain dense chains take the direct route', () => {
  const uci = denseChain(modelByName('uci-mlp').spec)!;
  assert.equal(uci.length, 8);
  assert.deepEqual(uci.map((l) => [l.offset, l.rows, l.units]), [[0, 9, 12], ...Array.from({ length: 6 }, (_, i) => [108 + 156 * i, 13, 12]), [1044, 13, 1]]);
  assert.equal(denseChain(modelByName('small-convnet').spec), null);
  assert.equal(denseChain(modelByName('resnet18').spec), null);
  // an activation on the output, a skipped node, parameters out of order: not a plain chain
  const base = mlp({ name: 'x', input: 2, hidden: [3], output: 1, activation: 'relu' });
  assert.equal(denseChain({ ...base, nodes: [...base.nodes, { op: 'activation', input: base.nodes.length - 1, fn: 'tanh' }] }), null);
  assert.equal(denseChain({ ...base, nodes: base.nodes.map((n, i) => (i === 3 && n.op === 'dense' ? { ...n, input: 1 } : n)) }), null);
  assert.equal(denseChain({ ...base, params: [...base.params].reverse() }), null);
});
