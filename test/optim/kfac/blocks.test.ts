import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import type { ModelDef } from '../../../src/models/zoo.js';
import { paramOffsets } from '../../../src/models/spec.js';
import { makeProblemFor, type HvpProblem } from '../../../src/check/problem.js';
import { disposeBatch, toEngineBatch } from '../../../src/check/engine.js';
import { modelObjective } from '../../../src/autodiff/model-objective.js';
import { disposeLayerStatistics, type FisherLabels } from '../../../src/autodiff/layer-statistics.js';
import { KfacCurvature } from '../../../src/optim/kfac/curvature.js';
import { DenseBlock } from '../../../src/optim/kfac/dense-block.js';
import { ConvBlock } from '../../../src/optim/kfac/conv-block.js';
import { BatchNormBlock } from '../../../src/optim/kfac/batchnorm-block.js';
import { bnNet, convNet, mlpCe, mlpMse, singleDense } from './helpers/tiny-models.js';
import { matmul } from './helpers/net64.js';
import {
  bruteForceStatistics, engineSampledTargets, piInverses64, relError, type Stat64,
} from './helpers/brute-force.js';

/**
 * Every block's factors from the engine's layer statistics against the same statistics computed
 * by brute force in float64 from the definitions (test/optim/kfac/helpers), on tiny models with
 * padding rows; then the preconditioned gradient against float64 A^-1 G_W G^-1 with pi-damping.
 */

interface Case {
  def: () => ModelDef;
  batchSize: number;
  maskedRows: number[];
}

const CASES: Case[] = [
  { def: mlpCe, batchSize: 6, maskedRows: [2] },
  { def: mlpMse, batchSize: 5, maskedRows: [1] },
  { def: convNet, batchSize: 4, maskedRows: [3] },
  { def: bnNet, batchSize: 5, maskedRows: [0] },
];

const TOL = 2e-5;

/** the engine's block values: A and G (Kronecker blocks), diagonals (batch norm) */
async function engineBlockValues(curv: KfacCurvature): Promise<Map<number, { kron?: { a: Float32Array; g: Float32Array }; diags?: Float32Array[] }>> {
  const out = new Map();
  for (const b of curv.blocks) {
    if (b instanceof DenseBlock || b instanceof ConvBlock) {
      const { a, g } = b.factorValues();
      out.set(b.node, { kron: { a: await a.data(), g: await g.data() } });
      tf.dispose([a, g]);
    } else if (b instanceof BatchNormBlock) {
      const ds = b.diagonals();
      out.set(b.node, { diags: await Promise.all(ds.map((d) => d.data())) });
      tf.dispose(ds);
    }
  }
  return out;
}

function targetsFor(p: HvpProblem, labels: FisherLabels): Float32Array {
  return labels.labels === 'sampled' ? engineSampledTargets(p.def, p.params, p.batch, labels.seed) : p.batch.targets;
}

function compare(expected: Stat64[], got: Awaited<ReturnType<typeof engineBlockValues>>, what: string): void {
  assert.equal(got.size, expected.length, `${what}: one block per dense, conv and batch-norm layer`);
  for (const e of expected) {
    const v = got.get(e.node)!;
    if (e.kind === 'kron') {
      const ea = relError(v.kron!.a, e.a);
      const eg = relError(v.kron!.g, e.g);
      assert.ok(ea < TOL && eg < TOL, `${what}: node ${e.node}: A error ${ea.toExponential(2)}, G error ${eg.toExponential(2)}`);
    } else {
      e.diags.forEach((d, k) => {
        const err = relError(v.diags![k], d);
        assert.ok(err < TOL, `${what}: node ${e.node}: diagonal ${k} error ${err.toExponential(2)}`);
      });
    }
  }
}

for (const backend of ['cpu', 'wasm']) {
  for (const c of CASES) {
    for (const labels of [{ labels: 'sampled', seed: 17 }, { labels: 'data' }] as FisherLabels[]) {
      const name = c.def().spec.name;
      test(`${backend}: ${name}: KFAC factors from ${labels.labels} labels equal the float64 brute-force statistics`, async () => {
        await initBackend(backend);
        const p = makeProblemFor(c.def(), 3, { batchSize: c.batchSize, maskedRows: c.maskedRows });
        const batch = toEngineBatch(p.def, p.batch);
        const params = tf.tensor1d(p.params);
        const objective = modelObjective(p.def, params, batch);
        const curv = new KfacCurvature(p.def.spec, { ema: 0 });
        try {
          const stats = await objective.layerStatistics(labels, curv.otherParams);
          assert.equal(stats.count, c.batchSize - c.maskedRows.length);
          curv.updateStatistics(stats);
          disposeLayerStatistics(stats);
          const expected = bruteForceStatistics(p.def, p.params, p.batch, targetsFor(p, labels)).stats;
          compare(expected, await engineBlockValues(curv), name);
        } finally {
          curv.dispose();
          objective.dispose();
          tf.dispose(params);
          disposeBatch(batch);
        }
      });
    }
  }
}

test('sampled statistics depend on the seed, and the same seed gives the same statistics', async () => {
  await initBackend('cpu');
  const p = makeProblemFor(mlpCe(), 5, { batchSize: 40 });
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  const g = async (seed: number) => {
    const s = await objective.layerStatistics({ labels: 'sampled', seed });
    const out = await s.layers[s.layers.length - 1].outputGrads.data();
    disposeLayerStatistics(s);
    return out;
  };
  assert.deepEqual(await g(1), await g(1));
  assert.ok(relError(await g(1), await g(2)) > 0.1, 'another seed draws other labels');
  objective.dispose();
  tf.dispose(params);
  disposeBatch(batch);
});

/** the engine's preconditioned gradient against float64 pi-damped A^-1 V G^-1 and g / (diag + lambda) */
for (const hostInverseMaxSize of [undefined, 4]) {
  for (const c of CASES) {
    const name = c.def().spec.name;
    const path = hostInverseMaxSize === undefined ? 'host float64 inverses' : 'backend inverses (host leaves of 4)';
    test(`cpu: ${name}: the KFAC update equals float64 A^-1 G_W G^-1 with pi-damping (${path})`, async () => {
      await initBackend('cpu');
      const p = makeProblemFor(c.def(), 4, { batchSize: c.batchSize, maskedRows: c.maskedRows });
      const batch = toEngineBatch(p.def, p.batch);
      const params = tf.tensor1d(p.params);
      const objective = modelObjective(p.def, params, batch);
      const curv = new KfacCurvature(p.def.spec, { ema: 0, hostInverseMaxSize });
      const offsets = paramOffsets(p.def.spec);
      try {
        for (const damping of [1e-3, 0.3]) {
          const labels: FisherLabels = { labels: 'sampled', seed: 9 };
          const stats = await objective.layerStatistics(labels);
          curv.updateStatistics(stats);
          disposeLayerStatistics(stats);
          await curv.updateInverses(damping);
          const grad = objective.grad();
          const g = await grad.data();
          const pre = curv.precondition(grad, damping);
          const got = await pre.data();
          tf.dispose([grad, pre]);
          const expected = bruteForceStatistics(p.def, p.params, p.batch, targetsFor(p, labels)).stats;
          for (const e of expected) {
            const block = curv.blocks.find((b) => (b as { node?: number }).node === e.node)!;
            const parts = block.params.map((n) => offsets.get(n)!);
            const slice = (src: ArrayLike<number>) => parts.flatMap((o) => Array.from(src).slice(o.offset, o.offset + o.size));
            let want: number[];
            if (e.kind === 'kron') {
              // V = [W; b] as [dA, dG]: the weight's rows then the bias row, as the flat layout already is
              const v = Float64Array.from(slice(g));
              const { aInv, gInv } = piInverses64(e.a, e.dA, e.g, e.dG, damping);
              want = Array.from(matmul(matmul(aInv, v, e.dA, e.dA, e.dG), gInv, e.dA, e.dG, e.dG));
            } else {
              const gs = slice(g);
              const diag = [...e.diags[0], ...e.diags[1]];
              want = gs.map((x, i) => x / (diag[i] + damping));
            }
            const err = relError(slice(got), want);
            assert.ok(err < 1e-4, `${name} damping ${damping}: node ${e.node} (${block.params.join(', ')}): error ${err.toExponential(2)}`);
          }
        }
      } finally {
        curv.dispose();
        objective.dispose();
        tf.dispose(params);
        disposeBatch(batch);
      }
    });
  }
}

test('cpu: a single dense layer with one output and one example: the KFAC block is the exact Fisher block', async () => {
  await initBackend('cpu');
  const p = makeProblemFor(singleDense(), 6, { batchSize: 1 });
  const batch = toEngineBatch(p.def, p.batch);
  const params = tf.tensor1d(p.params);
  const objective = modelObjective(p.def, params, batch);
  const curv = new KfacCurvature(p.def.spec, { ema: 0 });
  try {
    for (const labels of [{ labels: 'sampled', seed: 3 }, { labels: 'data' }] as FisherLabels[]) {
      const stats = await objective.layerStatistics(labels);
      curv.updateStatistics(stats);
      disposeLayerStatistics(stats);
      const { a, g } = (curv.blocks[0] as DenseBlock).factorValues();
      const av = await a.data();
      const gv = (await g.data())[0];
      tf.dispose([a, g]);
      // the Fisher of the one example under these labels: grad grad^T of -log p(t | x), in float64
      const targets = targetsFor(p, labels);
      const { net, f } = bruteForceStatistics(p.def, p.params, p.batch, targets);
      const y = f.values[f.values.length - 1].data[0];
      const grad = net.flatten(net.backward(f, Float64Array.of(2 * (y - targets[0]))).paramGrads); // [w (3); b]
      const fisher = Array.from({ length: 16 }, (_, k) => grad[Math.floor(k / 4)] * grad[k % 4]);
      const kron = Array.from(av, (x) => x * gv); // A kron G with a 1x1 G
      assert.ok(relError(kron, fisher) < 1e-5, `${labels.labels}: A kron G vs the Fisher block: ${relError(kron, fisher)}`);
    }
    // its expectation over the predictive Normal (variance 0.5): E[(2 (y - t))^2] x~ x~^T = 2 x~ x~^T,
    // the Gauss-Newton matrix with kfac-jax's factor 2
    const eye = tf.eye(4) as tf.Tensor2D;
    const ggn = objective.gaussNewtonProductBatch(eye);
    const x = p.batch.x;
    const xt = [x[0], x[1], x[2], 1];
    const want = Array.from({ length: 16 }, (_, k) => 2 * xt[Math.floor(k / 4)] * xt[k % 4]);
    assert.ok(relError(await ggn.data(), want) < 1e-6);
    tf.dispose([eye, ggn]);
  } finally {
    curv.dispose();
    objective.dispose();
    tf.dispose(params);
    disposeBatch(batch);
  }
});

test('the curvature refuses bad options and calls out of order, with clear errors', async () => {
  await initBackend('cpu');
  const def = mlpCe();
  assert.throws(() => new KfacCurvature(def.spec, { ema: 1 }), /EMA must be in \[0, 1\)/);
  assert.throws(() => new KfacCurvature(def.spec, { ema: 0.9, inverseUpdatePeriod: 0 }), /inverseUpdatePeriod must be a positive integer/);
  const curv = new KfacCurvature(def.spec, { ema: 0.9 });
  await assert.rejects(() => curv.updateInverses(1e-3), /statistics are empty/);
  const g = tf.zeros([5]) as tf.Tensor1D;
  assert.throws(() => curv.precondition(g, 1e-3), /gradient must have shape \[31\]/);
  g.dispose();
  curv.dispose();
});
