import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { exactSfnAdaptive } from '../../src/optim/exact-sfn-adaptive.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { make } from './make.js';
import { applyFunction, jacobiEigen } from './jacobi.js';
import { dot, explicitObjective, gradF64, hessianF64, lossF64, runSteps, symmetricWithSpectrum, type ExplicitProblem } from './ours-fixtures.js';

/**
 * Exact SFN (Adaptive) step by step against float64 computed here, in the published code's own
 * terms (SelectiveNewtonSGD with kfac_adaptivity): the Hessian EMA (the first step stores H), the
 * preconditioner (|lambda| + damping)^{-1} of the EMA, [lr, momentum] solving
 * [[u'Cu, u'Cd], [u'Cd, d'Cd]] = [g'u, g'd] with C = |H| + damping I of the step's own Hessian and
 * d the previous Delta (d'Cd := 1 when it is 0), rho from the same batch, LM damping, no undo.
 */
before(async () => {
  await initBackend('cpu');
});

// a quartic term makes the Hessian change from step to step, so the EMA matters
const problem: ExplicitProblem = {
  H: symmetricWithSpectrum([3, 1.5, 0.5, -0.7, -2], 7),
  b: [0.3, -0.2, 0.5, 0.1, -0.4],
  gamma: 0.5,
};
const w0 = [0.5, -1, 0.25, 1, -0.5];

const matrixAdd = (a: number[][], b: number[][], wa: number, wb: number) => a.map((row, i) => row.map((x, j) => wa * x + wb * b[i][j]));

test('exact-sfn-adaptive: EMA preconditioner, the 2x2 solve with C from the raw Hessian, rho and LM damping (float64 reference)', async () => {
  const steps = 6;
  const hp = { damping: 0.05, hessianEma: 0.95 };
  const { ws, infos } = await runSteps(make(exactSfnAdaptive, hp, 5), problem, w0, steps);
  let ema: number[][] | null = null;
  let damping = hp.damping;
  let previous = [0, 0, 0, 0, 0]; // Delta_{t-1}, subtracted from w
  const solves: number[] = [];
  for (let t = 0; t < steps; t++) {
    const w = ws[t];
    const H = hessianF64(problem, w);
    ema = ema === null ? H : matrixAdd(ema, H, 0.95, 0.05);
    const g = gradF64(problem, w);
    assert.equal(infos[t].damping, damping, `step ${t}: damping`);
    const u = applyFunction(jacobiEigen(ema), (l) => 1 / (Math.abs(l) + damping), g);
    const raw = jacobiEigen(H);
    const C = (v: number[]) => applyFunction(raw, (l) => Math.abs(l) + damping, v);
    const uCu = dot(u, C(u));
    const uCd = dot(u, C(previous));
    let dCd = dot(previous, C(previous));
    if (dCd === 0) dCd = 1;
    // the published solve, by Cramer's rule
    const det = uCu * dCd - uCd * uCd;
    const gu = dot(g, u);
    const gd = dot(g, previous);
    const lr = (gu * dCd - uCd * gd) / det;
    const momentum = (uCu * gd - uCd * gu) / det;
    const scale = Math.max(1, Math.abs(lr), Math.abs(momentum));
    assert.ok(Math.abs(infos[t].lr - lr) < 1e-4 * scale, `step ${t}: lr ${infos[t].lr} vs ${lr}`);
    assert.ok(Math.abs(infos[t].momentum - momentum) < 1e-4 * scale, `step ${t}: momentum ${infos[t].momentum} vs ${momentum}`);
    if (t === 0) assert.equal(infos[t].momentum, 0);
    const delta = u.map((ui, i) => lr * ui + momentum * previous[i]);
    const wNext = w.map((wi, i) => wi - delta[i]);
    ws[t + 1].forEach((v, i) => assert.ok(Math.abs(v - wNext[i]) < 1e-4, `step ${t} entry ${i}: ${v} vs ${wNext[i]}`));
    // every step is taken (the reference never undoes one)
    assert.ok(!('accepted' in infos[t]));
    const modelChange = 0.5 * (lr * lr * uCu + 2 * lr * momentum * uCd + momentum * momentum * (dot(previous, C(previous)))) - lr * gu - momentum * gd;
    const rho = (lossF64(problem, ws[t + 1]) - lossF64(problem, w)) / modelChange;
    assert.ok(Math.abs(infos[t].rho - rho) < 1e-3 * Math.max(1, Math.abs(rho)), `step ${t}: rho ${infos[t].rho} vs ${rho}`);
    // classify with the optimiser's own rho (the boundary cases are rounding-sensitive)
    damping = Math.max(1e-8, infos[t].rho > 0.75 ? damping * 0.9 : infos[t].rho < 0.25 ? damping / 0.9 : damping);
    previous = w.map((wi, i) => wi - ws[t + 1][i]);
    solves.push(infos[t].modelSolve);
    assert.equal(infos[t].hvps, 5);
    assert.equal(infos[t].evaluations, 1);
  }
  assert.deepEqual(solves, [1, 2, 2, 2, 2, 2]);
  assert.ok(infos.some((i) => Math.abs(i.momentum) > 1e-3), 'momentum is used');
  assert.ok(lossF64(problem, ws[steps]) < lossF64(problem, w0), 'the loss falls');
});

test('exact-sfn-adaptive: hessianEma 0 uses each step\'s own Hessian; Figure 1\'s saddle is left along negative curvature', async () => {
  const saddle: ExplicitProblem = { H: [[4, 2], [2, -2]], b: [0, 0], gamma: 0 };
  const eig = jacobiEigen(saddle.H);
  const k = eig.values[0] < 0 ? 0 : 1;
  const along = (w: number[]) => w[0] * eig.vectors[0][k] + w[1] * eig.vectors[1][k];
  for (const hessianEma of [0, 0.95]) {
    const { ws } = await runSteps(make(exactSfnAdaptive, { damping: 1e-3, hessianEma }, 2), saddle, [0.75, 1], 3);
    for (let t = 0; t < 3; t++) {
      assert.ok(Math.abs(along(ws[t + 1])) > Math.abs(along(ws[t])), `ema ${hessianEma} step ${t}: away from the saddle`);
      assert.ok(lossF64(saddle, ws[t + 1]) < lossF64(saddle, ws[t]), `ema ${hessianEma} step ${t}: loss decreases`);
    }
  }
});

test('exact-sfn-adaptive: tensor count flat over many steps; built by the registry with the defaults (EMA 0.95, LM 0.9, 1/4, 3/4, 1e-8)', async () => {
  const opt = make(exactSfnAdaptive, { damping: 0.01 }, 5);
  let params = tf.tensor1d(w0);
  let state = opt.init(params);
  const counts: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await opt.step(explicitObjective(problem, params), params, state);
    params.dispose();
    params = r.params;
    state = r.state;
    counts.push(tf.memory().numTensors);
  }
  opt.dispose(state);
  params.dispose();
  assert.ok(counts.slice(1).every((c) => c === counts[1]), counts.join(','));
  const parsed = exactSfnAdaptive.schema.parse({ damping: 0.01246 });
  assert.deepEqual([parsed.hessianEma, parsed.dampingDecay, parsed.rhoLow, parsed.rhoHigh, parsed.minDamping], [0.95, 0.9, 0.25, 0.75, 1e-8]);
  assert.equal(createOptimizer({ name: 'exact-sfn-adaptive', hyperparameters: parsed }, { parameterCount: 5, seed: 0 }).name, 'exact-sfn-adaptive');
});
