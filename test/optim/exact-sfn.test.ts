import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { Objective } from '../../src/autodiff/objective.js';
import { exactSfn } from '../../src/optim/exact-sfn.js';
import { exactEigenDirection } from '../../src/optim/directions/exact-eigen.js';
import { identityDirection } from '../../src/optim/directions/identity.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { make } from './make.js';
import { applyFunction, jacobiEigen } from './jacobi.js';
import { explicitObjective, gradF64, hessianF64, lossF64, runSteps, symmetricWithSpectrum, type ExplicitProblem } from './ours-fixtures.js';

/**
 * Exact SFN against a float64 reference computed here: a Jacobi eigendecomposition of the explicit
 * Hessian (independent of src/linalg), |lambda| (+ damping), the threshold replacement, and the
 * update Delta = lr u + momentum Delta_prev.
 */
before(async () => {
  await initBackend('cpu');
});

const indefinite: ExplicitProblem = {
  H: symmetricWithSpectrum([3, 1.5, 0.5, -0.7, -2], 7),
  b: [0.3, -0.2, 0.5, 0.1, -0.4],
  gamma: 0.2,
};
const w0 = [0.5, -1, 0.25, 1, -0.5];

/** u = V diag(1 / lambda~) V^T g in float64 */
function referenceDirection(problem: ExplicitProblem, w: number[], o: { damping?: number; threshold?: number; smallEigLr?: number }): number[] {
  const damping = o.damping ?? 0;
  return applyFunction(jacobiEigen(hessianF64(problem, w)), (lambda) => {
    let value = Math.abs(lambda) + damping;
    if (o.threshold !== undefined && value <= o.threshold) value = 1 / o.smallEigLr!;
    return 1 / value;
  }, gradF64(problem, w));
}

function assertClose(got: readonly number[], want: readonly number[], tolerance: number, what: string): void {
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tolerance * scale, `${what} entry ${i}: ${v} vs ${want[i]}`));
}

async function direction(d: ReturnType<typeof exactEigenDirection> | ReturnType<typeof identityDirection>, problem: ExplicitProblem, w: number[], damping: number) {
  const params = tf.tensor1d(w);
  const objective = explicitObjective(problem, params);
  const grad = objective.grad();
  const out = await d.compute({ objective, params, grad, damping }, d.init(params) as never);
  const values = Array.from(out.direction.dataSync());
  tf.dispose([params, grad, out.direction]);
  return { values, info: out.info, curvature: out.curvature };
}

test('directions against float64 references: identity is g; exact eigen is (|H| + damping)^{-1} g, thresholded', async () => {
  const identity = await direction(identityDirection(), indefinite, w0, 0.5);
  assertClose(identity.values, gradF64(indefinite, w0), 1e-6, 'identity');
  for (const damping of [0, 0.3]) {
    const exact = await direction(exactEigenDirection({ hessianEma: 0, curvature: false }), indefinite, w0, damping);
    assertClose(exact.values, referenceDirection(indefinite, w0, { damping }), 1e-6, `damping ${damping}`);
    assert.equal(exact.info.hvps, 5);
    assert.equal(exact.info.negativeEigenvalues, 2);
    assert.equal(exact.curvature, undefined);
  }
});

test('thresholding: |lambda| + damping at or below the threshold becomes 1 / smallEigLr', async () => {
  // two eigenvalues under the threshold (one negative), one just above it
  const problem: ExplicitProblem = { H: symmetricWithSpectrum([2, 1e-4, -5e-4, 2e-3, -1], 3), b: [0.2, -0.1, 0.3, 0.4, -0.2], gamma: 0 };
  const w = [0.1, 0.2, -0.3, 0.4, 0.5];
  // the damping is added first: 1.2e-3 lifts every |lambda| above the threshold
  for (const [damping, replaced] of [[0, 2], [1.2e-3, 0]] as const) {
    const o = { threshold: 1e-3, smallEigLr: 0.5 };
    const d = exactEigenDirection({ hessianEma: 0, smallEigenvalues: o, curvature: false });
    const got = await direction(d, problem, w, damping);
    assertClose(got.values, referenceDirection(problem, w, { ...o, damping }), 1e-6, `damping ${damping}`);
    assert.equal(got.info.replacedEigenvalues, replaced);
    // the replacement matters: inverted, the small eigenvalues would add ~g_k / 1e-4 to the step
    const plain = referenceDirection(problem, w, { damping });
    const change = Math.max(...plain.map((p, i) => Math.abs(p - got.values[i])));
    assert.ok(replaced ? change > 100 : change < 1e-3, `damping ${damping}: ${change}`);
  }
});

test('exact-sfn: Delta = lr u + momentum Delta_prev, w <- w - Delta, step by step (float64 reference)', async () => {
  const hp = { lr: 0.7, momentum: 0.4, smallEigLr: 2, threshold: 0.05 };
  const { ws, infos } = await runSteps(make(exactSfn, hp, 5), indefinite, w0, 4);
  let delta = [0, 0, 0, 0, 0];
  for (let t = 0; t < 4; t++) {
    const u = referenceDirection(indefinite, ws[t], hp);
    delta = u.map((ui, i) => hp.lr * ui + hp.momentum * delta[i]);
    assertClose(ws[t + 1], ws[t].map((w, i) => w - delta[i]), 2e-6, `step ${t}`);
    assert.deepEqual([infos[t].lr, infos[t].momentum, infos[t].hvps], [hp.lr, hp.momentum, 5]);
  }
});

test('exact-sfn on the saddle of Figure 1 moves away along negative curvature (Newton would land on the saddle)', async () => {
  // f(x, y) = 2x^2 + 2xy - y^2, Hessian [[4, 2], [2, -2]], saddle at 0
  const saddle: ExplicitProblem = { H: [[4, 2], [2, -2]], b: [0, 0], gamma: 0 };
  const eig = jacobiEigen(saddle.H);
  const k = eig.values[0] < 0 ? 0 : 1;
  const negative = [eig.vectors[0][k], eig.vectors[1][k]];
  const along = (w: number[]) => w[0] * negative[0] + w[1] * negative[1];
  const { ws } = await runSteps(make(exactSfn, { lr: 0.5, momentum: 0, smallEigLr: 1, threshold: 1e-6 }, 2), saddle, [0.75, 1], 3);
  for (let t = 0; t < 3; t++) {
    // u = |H|^{-1} H w: the positive-curvature part shrinks by (1 - lr), the negative part grows by (1 + lr)
    assert.ok(Math.abs(Math.abs(along(ws[t + 1])) - 1.5 * Math.abs(along(ws[t]))) < 1e-5, `step ${t}: away from the saddle`);
    assert.ok(lossF64(saddle, ws[t + 1]) < lossF64(saddle, ws[t]), `step ${t}: loss decreases`);
  }
});

test('exact-sfn: tensor count flat over many steps; a non-finite Hessian gives non-finite parameters (the loop ends the run diverged)', async () => {
  for (const momentum of [0.3, 0]) {
    const opt = make(exactSfn, { lr: 0.2, momentum, smallEigLr: 1, threshold: 1e-3 }, 5);
    let params = tf.tensor1d(w0);
    let state = opt.init(params);
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await opt.step(explicitObjective(indefinite, params), params, state);
      params.dispose();
      params = r.params;
      state = r.state;
      counts.push(tf.memory().numTensors);
    }
    opt.dispose(state);
    params.dispose();
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `momentum ${momentum}: ${counts.join(',')}`);
  }
  const opt = make(exactSfn, { lr: 0.2, momentum: 0.3, smallEigLr: 1, threshold: 1e-3 }, 5);
  const params = tf.tensor1d(w0);
  const state = opt.init(params);
  const before = tf.memory().numTensors;
  const objective: Objective = { ...explicitObjective(indefinite, params), hessian: async () => new Float64Array(25).fill(NaN) };
  const r = await opt.step(objective, params, state);
  assert.ok(Array.from(r.params.dataSync()).every(Number.isNaN));
  assert.equal(r.info.nonFiniteCurvature, 1);
  r.params.dispose();
  opt.dispose(r.state);
  assert.equal(tf.memory().numTensors, before);
  params.dispose();
});

test('exact-sfn: built by the registry with its defaults (momentum 0)', () => {
  const opt = createOptimizer({ name: 'exact-sfn', hyperparameters: exactSfn.schema.parse({ lr: 0.1, smallEigLr: 1, threshold: 0 }) }, { parameterCount: 5, seed: 0 });
  assert.equal(opt.name, 'exact-sfn');
});
