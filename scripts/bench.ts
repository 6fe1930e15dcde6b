/**
 * `npm run bench`: median milliseconds of one gradient and one Hessian-vector product for the
 * paper's models, of the explicit UCI Hessian and of one whole Exact SFN step on the UCI MLP
 * (Hessian, eigen-solve, update; the tuned UCI values); prints one JSON object.
 * "hvp" reuses the forward and backward passes cached by the Objective (as the series optimiser
 * does for its 2(K-1) products per step); "hvpCold" includes them.
 * Options: --backend b, --repeats n, --only name[,name].
 */
import '../src/util/chained-ops.js';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend, formatBackend } from '../src/backend/index.js';
import { modelByName, type ModelDef } from '../src/models/zoo.js';
import { initParams } from '../src/models/init.js';
import { modelObjective, type Batch } from '../src/autodiff/model-objective.js';
import { Rng } from '../src/util/random.js';
import { createOptimizer } from '../src/optim/registry.js';
import { exactSfn } from '../src/optim/exact-sfn.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

// the engine never uses tf.grad: skip loading the tape gradients
const backend = await initBackend(arg('backend', process.env.SFN_BACKEND ?? 'wasm'), { tapeGradients: false });
process.stderr.write(`${formatBackend()}\n`);
const repeats = Number(arg('repeats', '15'));
const only = arg('only', '').split(',').filter(Boolean);

function randomBatch(def: ModelDef, rows: number, rng: Rng): Batch {
  const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: rows * inSize }, () => rng.normal()), [rows, ...def.spec.inputShape]);
  const targets = def.loss === 'mse'
    ? tf.tensor2d(Float32Array.from({ length: rows * def.spec.outputSize }, () => rng.normal()), [rows, def.spec.outputSize])
    : tf.tensor1d(Float32Array.from({ length: rows }, () => rng.int(def.spec.outputSize)));
  return { x, targets, mask: tf.ones([rows]) as tf.Tensor1D };
}

async function median(fn: () => Promise<void>, n: number): Promise<number> {
  await fn(); // warm-up (kernel compilation, allocation)
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)].toFixed(3));
}

interface Case { key: string; model: string; rows: number; repeats?: number; hessian?: boolean }
const cases: Case[] = [
  { key: 'uciMlp', model: 'uci-mlp', rows: 588, hessian: true },
  { key: 'uciMlpTanh', model: 'uci-mlp-tanh', rows: 588 },
  { key: 'fmnistMlp400', model: 'fmnist-mlp', rows: 400 },
  { key: 'fmnistMlp3200', model: 'fmnist-mlp', rows: 3200 },
  { key: 'resnet18Batch8', model: 'resnet18', rows: 8, repeats: 5 },
];

const results: Record<string, unknown> = {};
for (const c of cases) {
  if (only.length && !only.includes(c.key)) continue;
  const def = modelByName(c.model);
  const rng = new Rng(7);
  const params = tf.tensor1d(initParams(def.spec, 1));
  const batch = randomBatch(def, c.rows, rng);
  const v = tf.tensor1d(Float32Array.from({ length: params.size }, () => rng.normal()));
  const n = c.repeats ?? repeats;
  const grad = await median(async () => {
    const o = modelObjective(def, params, batch, { checkFinite: false });
    const g = o.grad();
    await g.data();
    g.dispose();
    o.dispose();
  }, n);
  const warm = modelObjective(def, params, batch, { checkFinite: false });
  warm.grad().dispose();
  const hvp = await median(async () => {
    const h = warm.hvp(v);
    await h.data();
    h.dispose();
  }, n);
  const hvpCold = await median(async () => {
    const o = modelObjective(def, params, batch, { checkFinite: false });
    const h = o.hvp(v);
    await h.data();
    h.dispose();
    o.dispose();
  }, n);
  const entry: Record<string, number> = { gradMs: grad, hvpMs: hvp, hvpColdMs: hvpCold, parameters: params.size, rows: c.rows };
  if (c.hessian) {
    entry.hessianMs = await median(async () => {
      await warm.hessian();
    }, 3);
    const sfn = createOptimizer(
      { name: 'exact-sfn', hyperparameters: exactSfn.schema.parse({ lr: 4.901e-3, momentum: 0.06381, smallEigLr: 1.544, threshold: 5.205e-4 }) },
      { parameterCount: params.size, seed: 0 },
    );
    let state = sfn.init(params);
    entry.exactSfnStepMs = await median(async () => {
      const o = modelObjective(def, params, batch, { checkFinite: false });
      const r = await sfn.step(o, params, state);
      await r.params.data();
      r.params.dispose();
      state = r.state;
      o.dispose();
    }, 3);
    sfn.dispose(state);
  }
  warm.dispose();
  tf.dispose([params, batch.x, batch.targets, batch.mask, v]);
  results[c.key] = entry;
  process.stderr.write(`${c.key}: ${JSON.stringify(entry)}\n`);
}

console.log(JSON.stringify({ ...describeBackend(), backend, tensorsLeft: tf.memory().numTensors, results }));
