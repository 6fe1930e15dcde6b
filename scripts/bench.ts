/**
 * `npm run bench`: median milliseconds of one gradient and one Hessian-vector product for the
 * paper's models, for the UCI MLP of the explicit Hessian, of the eigen-solve of Exact SFN and of
 * one whole Exact SFN step (Hessian, eigen-solve, update; the tuned UCI values); prints one JSON object.
 * "hvp" reuses the forward and backward passes cached by the Objective (as the series optimiser
 * does for its 2(K-1) products per step); "hvpCold" includes them. "lbfgsStepMs": one L-BFGS
 * training step (a whole inner run, reference settings) continuing from the previous one.
 * "hessian" reuses them too (the direct dense-chain route; "hessianByProducts" is the general
 * route of batched HVPs, for comparison). "eigenSolve" is symmetricSpectrum of that Hessian plus
 * one f(H) x (targets on the 2-core machine: Hessian <= 400 ms, eigen-solve <= 500 ms);
 * "eigenSolveJs" the same with the plain-JS fallback kernel.
 * Options: --backend b, --repeats n, --only name[,name].
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend, formatBackend } from '../src/backend/index.js';
import { modelByName, type ModelDef } from '../src/models/zoo.js';
import { initParams } from '../src/models/init.js';
import { modelObjective, type Batch } from '../src/autodiff/model-objective.js';
import { Rng } from '../src/util/random.js';
import { HYPERPARAMETER_SCHEMAS } from '../src/config/hyperparameters.js';
import { lbfgs, type PointObjective } from '../src/optim/lbfgs/optimizer.js';
import { symmetricSpectrum } from '../src/linalg/spectral.js';
import { wasmSimdAvailable } from '../src/linalg/rank-two-kernel.js';
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

/** median ms and evaluations of L-BFGS steps on one batch, each continuing from the last */
async function lbfgsSteps(def: ModelDef, start: tf.Tensor1D, batch: Batch, n: number): Promise<{ ms: number; evaluations: number }> {
  const opt = lbfgs(HYPERPARAMETER_SCHEMAS.lbfgs.parse({}));
  let params = tf.clone(start);
  let state = opt.init(params);
  const evaluations: number[] = [];
  const at = (p: tf.Tensor1D) => {
    const o = modelObjective(def, p, batch, { checkFinite: false });
    try {
      return o.lossAndGrad();
    } finally {
      o.dispose();
    }
  };
  const ms = await median(async () => {
    const objective = Object.assign(modelObjective(def, params, batch, { checkFinite: false }), { at }) as PointObjective & { dispose(): void };
    try {
      const r = await opt.step(objective, params, state);
      params.dispose();
      params = r.params;
      state = r.state;
      evaluations.push(r.info.evaluations);
    } finally {
      objective.dispose();
    }
  }, n);
  opt.dispose(state);
  params.dispose();
  evaluations.sort((a, b) => a - b);
  return { ms, evaluations: evaluations[Math.floor(evaluations.length / 2)] };
}

interface Case { key: string; model: string; rows: number; repeats?: number; hessian?: boolean; lbfgs?: boolean }
const cases: Case[] = [
  { key: 'uciMlp', model: 'uci-mlp', rows: 588, hessian: true, lbfgs: true },
  { key: 'uciMlpTanh', model: 'uci-mlp-tanh', rows: 588 },
  { key: 'fmnistMlp400', model: 'fmnist-mlp', rows: 400 },
  { key: 'fmnistMlp3200', model: 'fmnist-mlp', rows: 3200 },
  { key: 'resnet18Batch8', model: 'resnet18', rows: 8, repeats: 5 },
];

/** the explicit Hessian (both routes) and Exact SFN's eigen-solve of it: decomposition + one f(H) x */
async function hessianAndEigenSolve(def: ModelDef, params: tf.Tensor1D, batch: Batch, warm: ReturnType<typeof modelObjective>, rng: Rng, repeats: number) {
  const hessianMs = await median(async () => {
    await warm.hessian();
  }, Math.min(repeats, 5));
  const byProducts = modelObjective(def, params, batch, { checkFinite: false, hessianByProducts: true });
  const hessianByProductsMs = await median(async () => {
    await byProducts.hessian();
  }, 3);
  byProducts.dispose();
  const h = await warm.hessian();
  const size = params.size;
  const g = Float64Array.from({ length: size }, () => rng.normal());
  const f = (lambda: number) => (Math.abs(lambda) <= 1e-4 ? 1e4 : 1 / Math.abs(lambda)); // Exact SFN's thresholded |lambda|^-1
  const solve = (kernel: 'auto' | 'js') => median(async () => {
    symmetricSpectrum(h, size, { kernel }).apply(f, g);
  }, Math.min(repeats, 5));
  const spectrum = symmetricSpectrum(h, size);
  const eigenApplyMs = await median(async () => {
    spectrum.apply(f, g);
  }, Math.min(repeats, 5));
  return {
    hessianMs, hessianByProductsMs,
    eigenSolveMs: await solve('auto'), eigenApplyMs, eigenSolveJsMs: await solve('js'),
    eigenKernel: wasmSimdAvailable() ? 'wasm-simd' : 'js',
  };
}

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
  const entry: Record<string, number | string> = { gradMs: grad, hvpMs: hvp, hvpColdMs: hvpCold, parameters: params.size, rows: c.rows };
  if (c.hessian) {
    Object.assign(entry, await hessianAndEigenSolve(def, params, batch, warm, rng, n));
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
  if (c.lbfgs) {
    const steps = await lbfgsSteps(def, params, batch, n);
    entry.lbfgsStepMs = steps.ms;
    entry.lbfgsEvaluationsPerStep = steps.evaluations;
  }
  warm.dispose();
  tf.dispose([params, batch.x, batch.targets, batch.mask, v]);
  results[c.key] = entry;
  process.stderr.write(`${c.key}: ${JSON.stringify(entry)}\n`);
}

console.log(JSON.stringify({ ...describeBackend(), backend, tensorsLeft: tf.memory().numTensors, results }));
