import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { ModelDef } from '../../src/models/zoo.js';
import { modelByName } from '../../src/models/zoo.js';
import { makeProblemFor, type HvpProblem } from '../../src/check/problem.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { evaluateReference, type ReferenceBatch } from '../../src/reference/index.js';
import { bnNet, convNet, mlpCe, mlpMse } from '../optim/kfac/helpers/tiny-models.js';
import { explicitGgn64 } from '../optim/kfac/helpers/ggn64.js';
import { relError } from '../optim/kfac/helpers/brute-force.js';

/**
 * The Fisher / Gauss-Newton product G v = J^T H_loss J v (kfac-jax's factor 2 for 'mse') of the
 * engine against G formed explicitly in float64: J row by row from the brute-force float64
 * network (one reverse pass per output of each example), H_loss per example.
 */

/** G V^T in float64 from the explicit Jacobian */
function explicitGgn(p: HvpProblem, vs: Float32Array[]): Float64Array[] {
  return explicitGgn64(p.def, p.params, p.batch, vs);
}

async function engineGgn(p: HvpProblem, batched: boolean): Promise<Float32Array[]> {
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  try {
    if (batched) {
      const vs = tf.stack(p.directions.map((d) => tf.tensor1d(d))) as tf.Tensor2D;
      const gv = objective.gaussNewtonProductBatch(vs);
      const data = (await gv.data()) as Float32Array;
      tf.dispose([vs, gv]);
      const n = p.params.length;
      return p.directions.map((_, k) => data.slice(k * n, (k + 1) * n));
    }
    const out: Float32Array[] = [];
    for (const d of p.directions) {
      const v = tf.tensor1d(d);
      const gv = objective.gaussNewtonProduct(v);
      out.push((await gv.data()) as Float32Array);
      tf.dispose([v, gv]);
    }
    return out;
  } finally {
    objective.dispose();
    tf.dispose(params);
    disposeBatch(batch);
  }
}

const CASES: { def: () => ModelDef; batchSize: number; maskedRows: number[] }[] = [
  { def: mlpCe, batchSize: 6, maskedRows: [2] },
  { def: mlpMse, batchSize: 5, maskedRows: [1] },
  { def: convNet, batchSize: 4, maskedRows: [3] },
  { def: bnNet, batchSize: 5, maskedRows: [0] },
];

for (const backend of ['cpu', 'wasm']) {
  for (const c of CASES) {
    const name = c.def().spec.name;
    test(`${backend}: ${name}: the Gauss-Newton product equals J^T H J v formed explicitly in float64 (single and batched)`, async () => {
      await initBackend(backend);
      const p = makeProblemFor(c.def(), 11, { batchSize: c.batchSize, maskedRows: c.maskedRows, directions: 3 });
      const want = explicitGgn(p, p.directions);
      for (const batched of [false, true]) {
        const got = await engineGgn(p, batched);
        got.forEach((g, k) => {
          const err = relError(g, want[k]);
          assert.ok(err < 2e-5, `${name} ${batched ? 'batched' : 'single'} direction ${k}: relative error ${err.toExponential(2)}`);
        });
      }
    });
  }
}

/**
 * Through every layer kind of ResNet-18 (max-pool, residual add, global average pooling, batch
 * norm): the same network with the 'mse' loss and targets equal to its own outputs has a Hessian
 * that is exactly its Gauss-Newton matrix, which the float64 reference gives. The outputs come
 * from the reference too: the loss is quadratic in the targets, so central differences in a
 * target are exact.
 */
test('cpu: small-convnet: the Gauss-Newton product equals the float64 reference Hessian at zero residual', async () => {
  await initBackend('cpu');
  const convnet = modelByName('small-convnet');
  const def: ModelDef = { spec: convnet.spec, loss: 'mse' };
  const p = makeProblemFor(def, 13, { batchSize: 6, maskedRows: [4], directions: 2 });
  const o = def.spec.outputSize;
  const b = p.batch.batchSize;
  const count = Array.from(p.batch.mask).reduce((x, y) => x + y, 0);
  const zero = new Float64Array(b * o);
  const lossAt = (t: Float64Array): number => evaluateReference(def, p.params, { ...p.batch, targets: t } as ReferenceBatch).loss;
  const outputs = new Float32Array(b * o);
  for (let r = 0; r < b; r++) {
    if (p.batch.mask[r] === 0) continue; // padding rows: any target, their weight is 0
    for (let j = 0; j < o; j++) {
      const e = zero.slice();
      e[r * o + j] = 1;
      const plus = lossAt(e);
      e[r * o + j] = -1;
      // L(t) = sum_r w_r 0.5 |y_r - t_r|^2: dL/dt = -w (y - t), exact by central differences
      outputs[r * o + j] = -(plus - lossAt(e)) / 2 / (1 / count);
    }
  }
  const atZeroResidual = { ...p, batch: { ...p.batch, targets: outputs } };
  const got = await engineGgn(atZeroResidual, true);
  p.directions.forEach((v, k) => {
    const hv = evaluateReference(def, p.params, atZeroResidual.batch, v).hvp;
    const want = hv.map((x) => 2 * x); // kfac-jax's factor for the squared-error loss
    const err = relError(got[k], want);
    assert.ok(err < 2e-5, `direction ${k}: relative error ${err.toExponential(2)}`);
  });
});

test('the Gauss-Newton product refuses directions of the wrong shape', async () => {
  await initBackend('cpu');
  const p = makeProblemFor(mlpCe(), 1, { batchSize: 3 });
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  const v = tf.zeros([4]) as tf.Tensor1D;
  const vs = tf.zeros([2, 4]) as tf.Tensor2D;
  assert.throws(() => objective.gaussNewtonProduct(v), /gaussNewtonProduct: direction must have shape \[31\]/);
  assert.throws(() => objective.gaussNewtonProductBatch(vs), /directions must have shape \[k, 31\]/);
  tf.dispose([v, vs, params]);
  objective.dispose();
  disposeBatch(batch);
});
