import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { makeHvpProblem, type HvpProblem } from '../../src/check/problem.js';
import { relativeError } from '../../src/check/vectors.js';
import { referenceHessian, referenceHessianFiniteDifference } from '../../src/reference/index.js';
import { Rng } from '../../src/util/random.js';

/**
 * The explicit Hessian (objective.hessian(): batched HVPs for the conv net, the direct dense-chain
 * route for the MLP, see dense-chain-hessian.test.ts): symmetric, equal to
 * stacked single and batched HVPs, and equal to the float64 Hessian (from central differences of
 * the float64 gradient for the small conv net, from exact float64 products for the UCI MLP).
 */

function transpose(h: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i * n + j] = h[j * n + i];
  return t;
}

async function engineHessianAndProducts(p: HvpProblem, columns: number[], k: number) {
  const n = p.params.length;
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  try {
    const hessian = await objective.hessian();
    const single = [];
    for (const j of columns) {
      const e = tf.cast(tf.reshape(tf.oneHot(tf.tensor1d([j], 'int32'), n), [n]), 'float32') as tf.Tensor1D;
      const hv = objective.hvp(e);
      single.push(await hv.data());
      tf.dispose([e, hv]);
    }
    const rng = new Rng(99);
    const vs = Float32Array.from({ length: k * n }, () => rng.normal());
    const vt = tf.tensor2d(vs, [k, n]);
    const hvs = objective.hvpBatch(vt);
    const batched = await hvs.data();
    tf.dispose([vt, hvs]);
    return { hessian, single, vs, batched };
  } finally {
    objective.dispose();
    tf.dispose(params);
    disposeBatch(batch);
  }
}

const cases: [string, () => HvpProblem, 'fd' | 'exact'][] = [
  ['small conv net', () => makeHvpProblem('small-convnet', 21, { avoidKinks: true }), 'fd'],
  ['UCI MLP', () => makeHvpProblem('uci-mlp', 22, { avoidKinks: true }), 'exact'],
];

for (const backend of ['cpu', 'wasm']) {
  for (const [name, make, kind] of cases) {
    test(`${backend}: ${name}: hessian() is symmetric, equals stacked HVPs and the float64 Hessian`, async (t) => {
      await initBackend(backend, { tapeGradients: false });
      const p = make();
      const n = p.params.length;
      const columns = [0, 1, Math.floor(n / 2), n - 1];
      const { hessian, single, vs, batched } = await engineHessianAndProducts(p, columns, 3);
      assert.equal(hessian.length, n * n);
      const asymmetry = relativeError(hessian, transpose(hessian, n));
      assert.ok(asymmetry <= 1e-5, `asymmetry ${asymmetry}`);
      columns.forEach((j, c) => {
        const column = Float64Array.from({ length: n }, (_, i) => hessian[i * n + j]);
        const err = relativeError(column, single[c]);
        assert.ok(err <= 1e-5, `column ${j} differs from hvp(e_${j}) by ${err}`);
      });
      for (let r = 0; r < 3; r++) {
        const hv = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += hessian[i * n + j] * vs[r * n + j];
          hv[i] = s;
        }
        const err = relativeError(batched.subarray(r * n, (r + 1) * n), hv);
        assert.ok(err <= 1e-5, `hvpBatch row ${r} differs from H v by ${err}`);
      }
      const reference = kind === 'fd' ? referenceHessianFiniteDifference(p.def, p.params, p.batch) : referenceHessian(p.def, p.params, p.batch);
      const err = relativeError(hessian, reference);
      t.diagnostic(`asymmetry ${asymmetry.toExponential(2)}, against the float64 Hessian ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `relative error against the float64 Hessian ${err}`);
    });
  }
}
