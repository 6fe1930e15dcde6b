import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { HYPERPARAMETER_SCHEMAS } from '../../src/config/hyperparameters.js';
import { make } from './make.js';
import { oursAdaptive } from '../../src/optim/ours-adaptive.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { Float64VectorSpace, seriesDirection } from '../../src/optim/series/index.js';
import { symmetricEigen } from '../../src/linalg/symmetric-eigen.js';
import { fromRows } from '../../src/linalg/matrix.js';
import {
  dot,
  explicitObjective,
  gradF64,
  hessianF64,
  lossF64,
  matVec,
  runSteps,
  symmetricWithSpectrum,
  type ExplicitProblem,
} from './ours-fixtures.js';

before(async () => {
  await initBackend('cpu');
});

const hp = (over: Record<string, unknown>) => HYPERPARAMETER_SCHEMAS['ours-adaptive'].parse({ damping: 0.1, ...over });
const f64 = new Float64VectorSpace();

const convex: ExplicitProblem = {
  H: symmetricWithSpectrum([4, 2.5, 1, 0.6, 0.3], 11),
  b: [0.5, -0.3, 0.2, 0.4, -0.1],
  gamma: 0,
};
const indefinite: ExplicitProblem = {
  H: symmetricWithSpectrum([3, 1.5, 0.5, -0.7, -2], 7),
  b: [0.3, -0.2, 0.5, 0.1, -0.4],
  gamma: 0,
};
const w0 = [0.5, -1, 0.25, 1, -0.5];

async function directionF64(problem: ExplicitProblem, w: number[], o: { K: number; N: number; damping: number; V: number; compat?: 'reference' }) {
  const H = hessianF64(problem, w);
  return seriesDirection(f64, Float64Array.from(gradF64(problem, w)), (v) => Float64Array.from(matVec(H, Array.from(v))), {
    terms: o.K,
    order: o.N,
    damping: o.damping,
    V: o.V,
    accelerator: 'sablonniere',
    compat: o.compat,
  });
}

test('compat reference: exactly lr 1 and momentum 0, no extra HVPs, step -d, rho over -g.d/2, damping still adapts', async () => {
  const o = { K: 6, N: 0, damping: 0.2 };
  const { ws, infos } = await runSteps(make(oursAdaptive, hp({ ...o, compat: 'reference' })), indefinite, w0, 4);
  let damping = o.damping;
  let V = 100;
  for (let t = 0; t < 4; t++) {
    assert.equal(infos[t].lr, 1);
    assert.equal(infos[t].momentum, 0);
    assert.equal(infos[t].hvps, 2 * (o.K - 1));
    assert.equal(infos[t].damping, damping);
    const ref = await directionF64(indefinite, ws[t], { ...o, damping, V, compat: 'reference' });
    V = ref.V;
    const d = Array.from(ref.direction);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(ws[t + 1][i] - (ws[t][i] - d[i])) < 1e-5, `step ${t} entry ${i}`);
    const rho = (lossF64(indefinite, ws[t + 1]) - lossF64(indefinite, ws[t])) / (-0.5 * dot(gradF64(indefinite, ws[t]), d));
    assert.ok(Math.abs(infos[t].rho - rho) < 1e-3 * Math.max(1, Math.abs(rho)), `step ${t}: rho ${infos[t].rho} vs ${rho}`);
    damping = Math.max(1e-8, rho > 0.75 ? damping * 0.9 : rho < 0.25 ? damping / 0.9 : damping);
  }
  // reference mode keeps no previous step: the degenerate solve never uses it
  assert.ok(infos.every((i) => !('modelSolve' in i)));
});

test('exact mode: lr and momentum are the minimiser of the 2-D model with real curvature (float64 check)', async () => {
  const o = { K: 7, N: 0, damping: 0.05 };
  const { ws, infos } = await runSteps(make(oursAdaptive, hp({ ...o, compat: 'exact' })), convex, w0, 4);
  let V = 100;
  for (let t = 0; t < 4; t++) {
    const lambda = infos[t].damping;
    const ref = await directionF64(convex, ws[t], { ...o, damping: lambda, V });
    V = ref.V;
    const d = Array.from(ref.direction);
    const g = gradF64(convex, ws[t]);
    const C = (v: number[]) => matVec(hessianF64(convex, ws[t]), v).map((x, i) => x + lambda * v[i]);
    let alpha: number;
    let mu: number;
    if (t === 0) {
      alpha = dot(g, d) / dot(d, C(d));
      mu = 0;
      assert.equal(infos[t].hvps, 2 * (o.K - 1) + 1);
    } else {
      // minimise g.s + 1/2 s^T C s over s = -alpha d + mu p: A x = -r, by Cramer's rule in float64
      const p = ws[t].map((w, i) => w - ws[t - 1][i]);
      const a11 = dot(d, C(d));
      const a12 = -dot(d, C(p));
      const a22 = dot(p, C(p));
      const r1 = -dot(g, d);
      const r2 = dot(g, p);
      const det = a11 * a22 - a12 * a12;
      alpha = (-r1 * a22 + r2 * a12) / det;
      mu = (-r2 * a11 + r1 * a12) / det;
      assert.equal(infos[t].hvps, 2 * (o.K - 1) + 2);
      assert.equal(infos[t].modelSolve, 2);
    }
    assert.ok(Math.abs(infos[t].lr - alpha) < 1e-3 * Math.abs(alpha), `step ${t}: lr ${infos[t].lr} vs ${alpha}`);
    assert.ok(Math.abs(infos[t].momentum - mu) < 1e-3 * Math.max(Math.abs(mu), 1e-3), `step ${t}: momentum ${infos[t].momentum} vs ${mu}`);
    assert.ok(lossF64(convex, ws[t + 1]) < lossF64(convex, ws[t]), `step ${t}: loss decreases`);
  }
  assert.ok(infos.slice(1).some((i) => Math.abs(i.momentum) > 1e-3), 'momentum is used once there is a previous step');
});

test('damping goes down when the model is right (rho > 3/4) and up when it is wrong (rho < 1/4)', async () => {
  for (const compat of ['exact', 'reference'] as const) {
    // a quadratic: the model is exact up to the damping, rho ~ 1
    const good = await runSteps(make(oursAdaptive, hp({ K: 5, N: 1, damping: 0.01, compat })), convex, w0, 3);
    for (const info of good.infos) assert.ok(info.rho > 0.75, `${compat}: rho ${info.rho}`);
    assert.deepEqual(
      good.infos.map((i) => i.damping),
      [0.01, 0.01 * 0.9, 0.01 * 0.9 * 0.9],
      compat,
    );
    // a steep quartic wall the local model cannot see: the loss rises, rho < 0
    const wall: ExplicitProblem = { H: [[1, 0], [0, 1]], b: [-3, 2], gamma: 20 };
    const bad = await runSteps(make(oursAdaptive, hp({ K: 3, N: 0, damping: 0.01, compat, V0: 1 })), wall, [0, 0], 2);
    assert.ok(bad.infos[0].rho < 0.25, `${compat}: rho ${bad.infos[0].rho}`);
    assert.equal(bad.infos[1].damping, 0.01 / 0.9, compat);
    if (compat === 'exact') {
      // the safeguard: the loss rose by more than the model's promised fall, so w stays
      assert.ok(bad.infos[0].rho < -1);
      assert.equal(bad.infos[0].accepted, 0);
      assert.deepEqual(bad.ws[1], bad.ws[0]);
    } else {
      // the published code takes every step
      assert.notDeepEqual(bad.ws[1], bad.ws[0]);
    }
    if (compat === 'exact') assert.ok(good.infos.every((i) => i.accepted === 1));
  }
  // the floor
  const floored = await runSteps(make(oursAdaptive, hp({ K: 3, N: 0, damping: 1e-8, minDamping: 1e-8, compat: 'exact' })), convex, w0, 3);
  assert.ok(floored.infos.every((i) => i.damping === 1e-8));
});

test('ours-adaptive on the saddle of Figure 1 moves away along negative curvature', async () => {
  const saddle: ExplicitProblem = { H: [[4, 2], [2, -2]], b: [0, 0], gamma: 0 };
  const eig = symmetricEigen(fromRows(saddle.H));
  const negative = [eig.vectors!.data[0], eig.vectors!.data[2]];
  const along = (w: number[]) => w[0] * negative[0] + w[1] * negative[1];
  for (const compat of ['exact', 'reference'] as const) {
    const { ws } = await runSteps(make(oursAdaptive, hp({ K: 8, N: 2, damping: 1e-3, compat })), saddle, [0.75, 1], 3);
    for (let t = 0; t < 3; t++) {
      assert.ok(Math.abs(along(ws[t + 1])) > Math.abs(along(ws[t])), `${compat} step ${t}: away from the saddle`);
      assert.ok(lossF64(saddle, ws[t + 1]) < lossF64(saddle, ws[t]), `${compat} step ${t}: loss decreases`);
    }
  }
});

test('K = 1: a damped gradient step scaled by the model; HVPs only for the model', async () => {
  const { infos: exact } = await runSteps(make(oursAdaptive, hp({ K: 1, N: 0, compat: 'exact' })), convex, w0, 3);
  assert.deepEqual(exact.map((i) => i.hvps), [1, 2, 2]);
  assert.ok(exact.every((i) => i.V === 100));
  const { ws, infos: reference } = await runSteps(make(oursAdaptive, hp({ K: 1, N: 0, damping: 0, compat: 'reference' })), convex, w0, 1);
  assert.equal(reference[0].hvps, 0);
  const g = gradF64(convex, w0);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(ws[1][i] - (w0[i] - g[i] / 10)) < 1e-6);
});

test('ours-adaptive: tensor count flat over many steps (accepted and rejected); one evaluation (Objective.at) per step', async () => {
  const wall: ExplicitProblem = { H: [[1, 0], [0, 1]], b: [-3, 2], gamma: 20 };
  for (const [compat, problem, start] of [['exact', indefinite, w0], ['reference', indefinite, w0], ['exact', wall, [0, 0]]] as const) {
    const opt = make(oursAdaptive, hp({ K: 7, N: 2, compat, damping: 1e-3 }));
    let params = tf.tensor1d([...start]);
    let state = opt.init(params);
    const counts: number[] = [];
    let rejected = 0;
    for (let i = 0; i < 25; i++) {
      const r = await opt.step(explicitObjective(problem, params), params, state);
      params.dispose();
      params = r.params;
      state = r.state;
      counts.push(tf.memory().numTensors);
      rejected += r.info.accepted === 0 ? 1 : 0;
      assert.equal(r.info.evaluations, 1);
    }
    opt.dispose(state);
    params.dispose();
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `${compat}: ${counts.join(',')}`);
    if (problem === wall) assert.ok(rejected > 0, 'some steps were rejected');
  }
});

test('ours-adaptive: built by the registry with the schema defaults (decay 0.9, floor 1e-8, thresholds 1/4, 3/4)', async () => {
  const parsed = hp({ K: 5, N: 2 });
  assert.deepEqual([parsed.dampingDecay, parsed.minDamping, parsed.rhoLow, parsed.rhoHigh, parsed.V0], [0.9, 1e-8, 0.25, 0.75, 100]);
  assert.equal(createOptimizer({ name: 'ours-adaptive', hyperparameters: parsed }, { parameterCount: 5, seed: 0 }).name, 'ours-adaptive');
  assert.throws(() => make(oursAdaptive, hp({ K: 2, N: 1 })), /K >= 2N\+1/);
});
