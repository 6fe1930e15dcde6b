import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/backend/index.js';
import { checkParams, type PlainBatch } from '../../../src/check/problem.js';
import { paramOffsets, type LayerNode } from '../../../src/models/spec.js';
import type { ModelDef } from '../../../src/models/zoo.js';
import { kfacDeepmind } from '../../../src/optim/kfac-deepmind.js';
import { kfacKazuki } from '../../../src/optim/kfac-kazuki.js';
import { burnInSeed, fisherSeed } from '../../../src/optim/kfac/direction.js';
import { bruteForceStatistics, engineSampledTargets, inverse64, piInverses64, relError } from './helpers/brute-force.js';
import { explicitGgn64 } from './helpers/ggn64.js';
import { matmul } from './helpers/net64.js';
import { mlpMse, singleDense } from './helpers/tiny-models.js';
import { dot, grad64, loss64, makeSeeded, regressionBatch, stepOnBatch } from './optimisers-helpers.js';

/**
 * The two KFAC optimisers as kfac-jax runs them, against float64 computed here from the definitions:
 * the KFAC direction (sampled-Fisher factors, bias-corrected EMA, pi-damped inverses), the 2x2
 * solve over the direction and the previous step with the exact Fisher, the update, rho and the
 * Levenberg-Marquardt damping.
 */
before(async () => {
  await initBackend('cpu');
});

/** p = F_KFAC^-1 g block by block from float64 factor averages (dense layers only) */
function kfacDirection64(def: ModelDef, g: Float64Array, factors: Map<number, { a: Float64Array; g: Float64Array; dA: number; dG: number }>, damping: number): Float64Array {
  const offsets = paramOffsets(def.spec);
  const p = new Float64Array(g.length);
  def.spec.nodes.forEach((n: LayerNode, i) => {
    if (n.op !== 'dense') return;
    const f = factors.get(i)!;
    const { aInv, gInv } = piInverses64(f.a, f.dA, f.g, f.dG, damping);
    const w = offsets.get(n.weight)!;
    const b = n.bias === undefined ? null : offsets.get(n.bias)!;
    // V = [g_W; g_b] as a [dA, dG] matrix
    const v = new Float64Array(f.dA * f.dG);
    v.set(g.subarray(w.offset, w.offset + w.size));
    if (b) v.set(g.subarray(b.offset, b.offset + b.size), w.size);
    const u = matmul(matmul(aInv, v, f.dA, f.dA, f.dG), gInv, f.dA, f.dG, f.dG);
    p.set(u.subarray(0, w.size), w.offset);
    if (b) p.set(u.subarray(w.size), b.offset);
  });
  return p;
}

test('kfac-deepmind: each step equals float64 by hand (KFAC direction, exact-Fisher 2x2 solve, update, rho, LM damping), with a padding row', async () => {
  const def = mlpMse();
  const batch = regressionBatch(7, 3, 2, 11, [4]);
  const seed = 5;
  const hp = { damping: 0.05 };
  const steps = 5;
  const { ws, infos } = await stepOnBatch(makeSeeded(kfacDeepmind, hp, def, seed), def, checkParams(def, 3), batch, steps);
  const ema = 0.95;
  const raw = new Map<number, { a: Float64Array; g: Float64Array; dA: number; dG: number }>();
  let weight = 0;
  let damping = hp.damping;
  for (let t = 0; t < steps; t++) {
    const w = ws[t];
    // the statistics of the labels the engine drew for this step (same seed, same draws)
    const targets = engineSampledTargets(def, w, batch, fisherSeed(seed, t));
    const { stats } = bruteForceStatistics(def, w, batch, targets);
    weight = ema * weight + 1;
    const factors = new Map<number, { a: Float64Array; g: Float64Array; dA: number; dG: number }>();
    for (const s of stats) {
      if (s.kind !== 'kron') continue;
      const prev = raw.get(s.node);
      const next = prev
        ? { ...s, a: prev.a.map((x, i) => ema * x + s.a[i]), g: prev.g.map((x, i) => ema * x + s.g[i]) }
        : { ...s, a: Float64Array.from(s.a), g: Float64Array.from(s.g) };
      raw.set(s.node, next);
      factors.set(s.node, { ...next, a: next.a.map((x) => x / weight), g: next.g.map((x) => x / weight) });
    }
    assert.equal(infos[t].damping, damping, `step ${t}: damping`);
    const g = grad64(def, w, batch);
    const p = kfacDirection64(def, g, factors, damping);
    const previous = t === 0 ? null : Float64Array.from(w, (x, i) => x - ws[t - 1][i]);
    const vectors = previous === null ? [p] : [p, previous];
    const Fv = explicitGgn64(def, w, batch, vectors);
    const A = vectors.map((vi) => Fv.map((fvj) => dot(vi, fvj)));
    const D = vectors.map((vi) => vectors.map((vj) => dot(vi, vj)));
    const b = vectors.map((v) => dot(v, g));
    // [w0, w1] = -(A + lambda D)^-1 b; the first step has no previous step (kfac-jax: momentum 0)
    const damped = A.map((row, i) => row.map((x, j) => x + damping * D[i][j]));
    let coef: number[];
    if (previous === null) coef = [-b[0] / damped[0][0], 0];
    else {
      const inv = inverse64(damped.flat(), 2);
      coef = [-(inv[0] * b[0] + inv[1] * b[1]), -(inv[2] * b[0] + inv[3] * b[1])];
    }
    const [lr, momentum] = [-coef[0], coef[1]];
    const tol = (x: number) => 1e-3 * Math.max(1e-3, Math.abs(x));
    assert.ok(Math.abs(infos[t].lr - lr) < tol(lr), `step ${t}: lr ${infos[t].lr} vs ${lr}`);
    assert.ok(Math.abs(infos[t].momentum - momentum) < tol(momentum) + 1e-6, `step ${t}: momentum ${infos[t].momentum} vs ${momentum}`);
    if (t === 0) assert.equal(infos[t].momentum, 0, 'momentum 0 on the first step');
    assert.equal(infos[t].modelSolve, t === 0 ? 1 : 2);
    assert.equal(infos[t].gaussNewtonProducts, vectors.length);
    const delta = p.map((x, i) => coef[0] * x + (previous === null ? 0 : coef[1] * previous[i]));
    const taken = Float64Array.from(ws[t + 1], (x, i) => x - w[i]);
    assert.ok(relError(taken, delta) < 1e-3, `step ${t}: update off by ${relError(taken, delta)}`);
    // the predicted change leaves the damping out (kfac-jax's include_damping_in_quad_change=False)
    const wv = [coef[0], previous === null ? 0 : coef[1]];
    const A2 = previous === null ? [[A[0][0], 0], [0, 0]] : A;
    const predicted = 0.5 * (wv[0] * (A2[0][0] * wv[0] + A2[0][1] * wv[1]) + wv[1] * (A2[1][0] * wv[0] + A2[1][1] * wv[1])) + wv[0] * b[0] + (previous === null ? 0 : wv[1] * b[1]);
    assert.ok(Math.abs(infos[t].predictedChange - predicted) < 1e-3 * Math.abs(predicted), `step ${t}: predicted ${infos[t].predictedChange} vs ${predicted}`);
    const rho = (loss64(def, ws[t + 1], batch) - loss64(def, w, batch)) / predicted;
    assert.ok(Math.abs(infos[t].rho - rho) < 1e-2 * Math.max(1, Math.abs(rho)), `step ${t}: rho ${infos[t].rho} vs ${rho}`);
    // LM with the optimiser's own rho (the thresholds are rounding-sensitive)
    const r = infos[t].rho;
    damping = Math.max(1e-8, r > 0.75 ? damping * 0.9 : r < 0.25 ? damping / 0.9 : damping);
    assert.ok(!('accepted' in infos[t]), 'every step is taken');
  }
  assert.ok(infos.slice(1).some((i) => Math.abs(i.momentum) > 1e-3), 'momentum is used');
  assert.ok(loss64(def, ws[steps], batch) < loss64(def, ws[0], batch), 'the loss falls');
});

test('kfac-deepmind on a convex quadratic problem (linear least squares) reaches the optimum', async () => {
  const def = singleDense();
  const rows = 24;
  const batch = regressionBatch(rows, 3, 1, 21);
  // targets from a linear map plus noise, so the optimum's loss is not zero
  for (let r = 0; r < rows; r++) batch.targets[r] = 0.7 * batch.x[3 * r] - 1.3 * batch.x[3 * r + 1] + 0.4 * batch.x[3 * r + 2] + 0.5 + 0.3 * batch.targets[r];
  // the least-squares optimum in float64: [X 1]^T [X 1] w = [X 1]^T y
  const xt = new Float64Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 3; k++) xt[r * 4 + k] = batch.x[r * 3 + k];
    xt[r * 4 + 3] = 1;
  }
  const gram = matmul(xt, xt, 4, rows, 4, true);
  const rhs = matmul(xt, Float64Array.from(batch.targets), 4, rows, 1, true);
  const best = matmul(inverse64(gram, 4), rhs, 4, 4, 1); // [w (3); b]
  const bestLoss = loss64(def, best, batch);
  const { ws, infos } = await stepOnBatch(makeSeeded(kfacDeepmind, { damping: 1 }, def, 2), def, new Float32Array(4), batch, 40);
  const final = ws[ws.length - 1];
  const excess = loss64(def, final, batch) - bestLoss;
  assert.ok(excess < 1e-6 * bestLoss, `loss ${loss64(def, final, batch)} vs optimum ${bestLoss}`);
  assert.ok(relError(final, best) < 1e-3, `parameters ${Array.from(final)} vs ${Array.from(best)}`);
  assert.ok(infos.every((i) => Number.isFinite(i.rho)), 'every step measured rho');
  assert.ok(infos[infos.length - 1].damping < 1, 'the damping fell from its start as the model proved right');
});

test('kfac-kazuki: the fixed rule on the KFAC direction, momentum 0 on the first step; EMA 0 uses this batch alone', async () => {
  const def = mlpMse();
  const batch = regressionBatch(6, 3, 2, 4);
  const w0 = checkParams(def, 8);
  const seed = 9;
  const hp = { lr: 0.3, damping: 0.02 };
  const heavy = await stepOnBatch(makeSeeded(kfacKazuki, { ...hp, momentum: 0.9 }, def, seed), def, w0, batch, 3);
  const none = await stepOnBatch(makeSeeded(kfacKazuki, { ...hp, momentum: 0 }, def, seed), def, w0, batch, 2);
  assert.deepEqual(heavy.ws[1], none.ws[1], 'the first step is the same with and without momentum');
  assert.notDeepEqual(heavy.ws[2], none.ws[2], 'momentum acts from the second step');
  // by hand: u_t = lr p_t + momentum u_{t-1}, p_t from this step's statistics alone (EMA 0)
  let velocity: Float64Array | null = null;
  for (let t = 0; t < 3; t++) {
    const w = heavy.ws[t];
    const targets = engineSampledTargets(def, w, batch, fisherSeed(seed, t));
    const { stats } = bruteForceStatistics(def, w, batch, targets);
    const factors = new Map(stats.flatMap((s) => (s.kind === 'kron' ? [[s.node, s] as const] : [])));
    const p = kfacDirection64(def, grad64(def, w, batch), factors, hp.damping);
    const u: Float64Array = p.map((x, i) => hp.lr * x + (velocity === null ? 0 : 0.9 * velocity[i]));
    const taken = Float64Array.from(heavy.ws[t + 1], (x, i) => w[i] - x);
    assert.ok(relError(taken, u) < 1e-3, `step ${t}: update off by ${relError(taken, u)}`);
    assert.deepEqual([heavy.infos[t].lr, heavy.infos[t].momentum, heavy.infos[t].damping], [0.3, 0.9, 0.02]);
    velocity = u;
  }
});

test('kfac-deepmind: burnIn folds statistics-only passes (old and new weight 1) in before the first step, as kfac-jax', async () => {
  const def = mlpMse();
  const batch: PlainBatch = regressionBatch(5, 3, 2, 13);
  const w0 = checkParams(def, 2);
  const seed = 1;
  const damping = 0.1;
  const passes = 3;
  const { ws, infos } = await stepOnBatch(makeSeeded(kfacDeepmind, { damping, burnIn: passes }, def, seed), def, w0, batch, 1);
  // raw = 0.95 * (sum of the burn-in passes' statistics) + this step's; weight = 0.95 * passes + 1
  const seeds = [...Array.from({ length: passes }, (_, k) => burnInSeed(seed, k)), fisherSeed(seed, 0)];
  const factors = new Map<number, { a: Float64Array; g: Float64Array; dA: number; dG: number }>();
  seeds.forEach((s, k) => {
    const { stats } = bruteForceStatistics(def, w0, batch, engineSampledTargets(def, w0, batch, s));
    const keep = k < passes ? 0.95 : 1;
    for (const st of stats) {
      if (st.kind !== 'kron') continue;
      const f = factors.get(st.node) ?? { ...st, a: new Float64Array(st.a.length), g: new Float64Array(st.g.length) };
      f.a = f.a.map((x, i) => x + keep * st.a[i]);
      f.g = f.g.map((x, i) => x + keep * st.g[i]);
      factors.set(st.node, f);
    }
  });
  const weight = 0.95 * passes + 1;
  for (const f of factors.values()) {
    f.a = f.a.map((x) => x / weight);
    f.g = f.g.map((x) => x / weight);
  }
  const g = grad64(def, w0, batch);
  const p = kfacDirection64(def, g, factors, damping);
  const [Fp] = explicitGgn64(def, w0, batch, [p]);
  const lr = dot(g, p) / (dot(p, Fp) + damping * dot(p, p));
  assert.ok(Math.abs(infos[0].lr - lr) < 1e-3 * lr, `lr ${infos[0].lr} vs ${lr}`);
  const taken = Float64Array.from(ws[1], (x, i) => w0[i] - x);
  assert.ok(relError(taken, p.map((x) => lr * x)) < 1e-3, `update off by ${relError(taken, p.map((x) => lr * x))}`);
});

test('a damped factor that cannot be inverted gives a NaN update (the run ends diverged, as kfac-jax NaNs), not an error', async () => {
  const def = mlpMse();
  const batch = regressionBatch(5, 3, 2, 3);
  batch.x[4] = NaN; // one non-finite input: its statistics, and so the factors, are not finite
  for (const [descriptor, hp] of [[kfacDeepmind, { damping: 0.1 }], [kfacKazuki, { lr: 0.1, momentum: 0.5, damping: 0.1 }]] as const) {
    const { ws, infos } = await stepOnBatch(makeSeeded(descriptor as typeof kfacDeepmind, hp as never, def, 0), def, checkParams(def, 1), batch, 1);
    assert.equal(infos[0].nonFiniteCurvature, 1, descriptor.name);
    assert.ok(ws[1].every((x) => Number.isNaN(x)), `${descriptor.name}: the update is NaN`);
  }
});
