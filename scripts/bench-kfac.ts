/**
 * `node --import tsx scripts/bench-kfac.ts`: median milliseconds of KFAC's pieces per step beside
 * one gradient, for the paper's models; prints one JSON object.
 *   gradMs        a fresh Objective's gradient (forward + backward)
 *   statisticsMs  layerStatistics with sampled labels (one more backward pass, on the cached forward)
 *   factorsMs     KfacCurvature.updateStatistics (the factor products and the EMA)
 *   inversesMs    KfacCurvature.updateInverses (pi-damped inverses of every factor)
 *   preconditionMs KfacCurvature.precondition (F^-1 g)
 *   stepMs        the whole direction of a step: fresh Objective, gradient, kfacDirection
 *   ggnMs         one Fisher / Gauss-Newton product on the cached passes (the adaptive rule needs 2-3)
 *   deepmindStepMs, kazukiStepMs  a whole optimiser step of kfac-deepmind / kfac-kazuki (fresh
 *                 Objective, gradient, direction, step rule: for DeepMind's the exact-Fisher 2x2 model
 *                 and the new loss), with the optimiser's state carried from step to step
 * Parameters are the initialisation moved off its constants (as `sfn check-hvp`): at ResNet-18's
 * zero final layer every other G factor would be zero and its inverse trivial.
 * Options: --backend b, --repeats n, --only name[,name], --host-max n (host float64 inverse limit).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend, formatBackend } from '../src/backend/index.js';
import { modelByName, type ModelDef } from '../src/models/zoo.js';
import { checkParams } from '../src/check/problem.js';
import { modelObjective, type Batch } from '../src/autodiff/model-objective.js';
import { disposeLayerStatistics } from '../src/autodiff/layer-statistics.js';
import { KfacCurvature } from '../src/optim/kfac/curvature.js';
import { kfacDirection } from '../src/optim/kfac/direction.js';
import { Rng } from '../src/util/random.js';
import { createOptimiser } from '../src/library/optimisers.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = await initBackend(arg('backend', process.env.SFN_BACKEND ?? 'wasm'), { tapeGradients: false });
process.stderr.write(`${formatBackend()}\n`);
const repeats = Number(arg('repeats', '9'));
const only = arg('only', '').split(',').filter(Boolean);
const hostMax = arg('host-max', '');

function randomBatch(def: ModelDef, rows: number, rng: Rng): Batch {
  const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: rows * inSize }, () => rng.normal()), [rows, ...def.spec.inputShape]);
  const targets = def.loss === 'mse'
    ? tf.tensor2d(Float32Array.from({ length: rows * def.spec.outputSize }, () => rng.normal()), [rows, def.spec.outputSize])
    : tf.tensor1d(Float32Array.from({ length: rows }, () => rng.int(def.spec.outputSize)));
  return { x, targets, mask: tf.ones([rows]) as tf.Tensor1D };
}

async function median(fn: () => Promise<void>, n: number): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)].toFixed(2));
}

interface Case { key: string; model: string; rows: number; repeats?: number }
const cases: Case[] = [
  { key: 'uciMlp', model: 'uci-mlp', rows: 588 },
  { key: 'fmnistMlp3200', model: 'fmnist-mlp', rows: 3200 },
  { key: 'resnet18Batch8', model: 'resnet18', rows: 8, repeats: 3 },
];

const damping = 1e-2;
const results: Record<string, unknown> = {};
for (const c of cases) {
  if (only.length && !only.includes(c.key)) continue;
  const def = modelByName(c.model);
  const rng = new Rng(7);
  // off the initial constants (ResNet-18's zero final layer would zero every other G factor)
  const params = tf.tensor1d(checkParams(def, 1));
  const batch = randomBatch(def, c.rows, rng);
  const v = tf.tensor1d(Float32Array.from({ length: params.size }, () => rng.normal()));
  const n = c.repeats ?? repeats;
  const curv = new KfacCurvature(def.spec, { ema: 0.95, hostInverseMaxSize: hostMax ? Number(hostMax) : undefined });
  const gradMs = await median(async () => {
    const o = modelObjective(def, params, batch, { checkFinite: false });
    const g = o.grad();
    await g.data();
    g.dispose();
    o.dispose();
  }, n);
  const warm = modelObjective(def, params, batch, { checkFinite: false });
  const grad = warm.grad();
  let seed = 0;
  const statisticsMs = await median(async () => {
    const s = await warm.layerStatistics({ labels: 'sampled', seed: seed++ });
    await s.layers[0].outputGrads.data();
    disposeLayerStatistics(s);
  }, n);
  // the factor products alone, on prepared statistics (wasm and cpu run kernels synchronously)
  const factorTimes: number[] = [];
  for (let i = 0; i <= n; i++) {
    const s = await warm.layerStatistics({ labels: 'sampled', seed: seed++ });
    await s.layers[0].outputGrads.data();
    const t0 = performance.now();
    curv.updateStatistics(s);
    if (i > 0) factorTimes.push(performance.now() - t0); // the first is a warm-up
    disposeLayerStatistics(s);
  }
  factorTimes.sort((a, b) => a - b);
  const inversesMs = await median(async () => {
    await curv.updateInverses(damping);
  }, n);
  const preconditionMs = await median(async () => {
    const p = curv.precondition(grad, damping);
    await p.data();
    p.dispose();
  }, n);
  let step = 0;
  const stepMs = await median(async () => {
    const o = modelObjective(def, params, batch, { checkFinite: false });
    const p = await kfacDirection(o, curv, { step: step, damping, seed: step });
    step++;
    await p.data();
    p.dispose();
    o.dispose();
  }, n);
  const ggnMs = await median(async () => {
    const h = warm.gaussNewtonProduct(v);
    await h.data();
    h.dispose();
  }, n);
  grad.dispose();
  warm.dispose();
  curv.dispose();
  const optimiserStepMs = async (name: 'kfac-deepmind' | 'kfac-kazuki'): Promise<number> => {
    const hp = name === 'kfac-deepmind' ? { damping } : { lr: 1e-3, momentum: 0.5, damping };
    const optimizer = createOptimiser(name, hp as never, { parameterCount: params.size, seed: 1 });
    let w = params.clone();
    let state = optimizer.init(w);
    const ms = await median(async () => {
      const o = modelObjective(def, w, batch, { checkFinite: false });
      const r = await optimizer.step(o, w, state);
      await r.params.data();
      o.dispose();
      w.dispose();
      ({ params: w, state } = r);
    }, n);
    optimizer.dispose(state);
    w.dispose();
    return ms;
  };
  const deepmindStepMs = await optimiserStepMs('kfac-deepmind');
  const kazukiStepMs = await optimiserStepMs('kfac-kazuki');
  const ratio = (ms: number) => Number((ms / gradMs).toFixed(2));
  const entry = {
    parameters: params.size, rows: c.rows, gradMs, statisticsMs,
    factorsMs: Number(factorTimes[Math.floor(factorTimes.length / 2)].toFixed(2)),
    inversesMs, preconditionMs, stepMs, ggnMs, stepOverGrad: ratio(stepMs),
    deepmindStepMs, deepmindOverGrad: ratio(deepmindStepMs), kazukiStepMs, kazukiOverGrad: ratio(kazukiStepMs),
  };
  tf.dispose([params, batch.x, batch.targets, batch.mask, v]);
  results[c.key] = entry;
  process.stderr.write(`${c.key}: ${JSON.stringify(entry)}\n`);
}

console.log(JSON.stringify({ ...describeBackend(), backend, tensorsLeft: tf.memory().numTensors, results }));
