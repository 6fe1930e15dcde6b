import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceQuadraticModel, solveQuadraticModel, type QuadraticModelInputs } from '../../src/optim/rules/quadratic-model.js';
import { adaptDamping, LOSS_RESOLUTION, reductionRatio, safeguardedDamping } from '../../src/optim/rules/lm-damping.js';

/** M(alpha, mu) - L = g.s + 1/2 s^T (H + lambda I) s for s = -alpha d + mu p, from explicit vectors */
function modelChange(H: number[][], lambda: number, g: number[], d: number[], p: number[], alpha: number, mu: number): number {
  const s = d.map((di, i) => -alpha * di + mu * p[i]);
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    v += g[i] * s[i] + 0.5 * lambda * s[i] * s[i];
    for (let j = 0; j < s.length; j++) v += 0.5 * s[i] * H[i][j] * s[j];
  }
  return v;
}

function inputs(H: number[][], lambda: number, g: number[], d: number[], p?: number[]): QuadraticModelInputs {
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const mv = (v: number[]) => H.map((r) => dot(r, v));
  const out: QuadraticModelInputs = { gd: dot(g, d), dHd: dot(d, mv(d)), dd: dot(d, d), damping: lambda };
  if (p) out.previous = { gp: dot(g, p), pHp: dot(p, mv(p)), pp: dot(p, p), dHp: dot(d, mv(p)), dp: dot(d, p) };
  return out;
}

let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};

test('the solve returns the minimiser of the 2-D quadratic model (float64 check by perturbation)', () => {
  for (let trial = 0; trial < 20; trial++) {
    const n = 4;
    // positive-definite H (B^T B + I) so the model has a unique minimiser
    const B = Array.from({ length: n }, () => Array.from({ length: n }, rand));
    const H = B.map((_, i) => B.map((__, j) => B.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? 0.5 : 0)));
    const lambda = Math.abs(rand());
    const g = Array.from({ length: n }, rand);
    const d = Array.from({ length: n }, rand);
    const p = Array.from({ length: n }, rand);
    const r = solveQuadraticModel(inputs(H, lambda, g, d, p));
    assert.equal(r.solve, 2);
    const best = modelChange(H, lambda, g, d, p, r.lr, r.momentum);
    assert.ok(Math.abs(best - r.predictedChange) < 1e-12 * (1 + Math.abs(best)));
    for (const [da, dm] of [[1e-4, 0], [-1e-4, 0], [0, 1e-4], [0, -1e-4], [1e-4, 1e-4], [1e-4, -1e-4]]) {
      assert.ok(modelChange(H, lambda, g, d, p, r.lr + da, r.momentum + dm) > best, `trial ${trial}: perturbation lowers the model`);
    }
    // stationarity: d/d(alpha) and d/d(mu) of the model vanish
    const h = 1e-6;
    const dAlpha = (modelChange(H, lambda, g, d, p, r.lr + h, r.momentum) - modelChange(H, lambda, g, d, p, r.lr - h, r.momentum)) / (2 * h);
    const dMu = (modelChange(H, lambda, g, d, p, r.lr, r.momentum + h) - modelChange(H, lambda, g, d, p, r.lr, r.momentum - h)) / (2 * h);
    assert.ok(Math.abs(dAlpha) < 1e-6 && Math.abs(dMu) < 1e-6, `gradient (${dAlpha}, ${dMu})`);
  }
});

test('the exact Newton direction gives lr 1 and momentum 0 when curvature is exact', () => {
  // d = (H + lambda I)^{-1} g exactly: the model minimiser along d is alpha = 1, whatever p is
  const H = [[3, 1], [1, 2]];
  const lambda = 0.5;
  const g = [1, -2];
  const C = [[3.5, 1], [1, 2.5]];
  const det = C[0][0] * C[1][1] - C[0][1] * C[1][0];
  const d = [(C[1][1] * g[0] - C[0][1] * g[1]) / det, (C[0][0] * g[1] - C[1][0] * g[0]) / det];
  const r = solveQuadraticModel(inputs(H, lambda, g, d, [0.3, 0.7]));
  assert.ok(Math.abs(r.lr - 1) < 1e-12 && Math.abs(r.momentum) < 1e-12, `${r.lr}, ${r.momentum}`);
});

test('first step (no previous step): momentum 0 and the 1-D minimiser g.d / d^T C d', () => {
  const H = [[2, 0], [0, 1]];
  const r = solveQuadraticModel(inputs(H, 0.25, [1, 1], [1, 2]));
  const dCd = 2 + 4 + 0.25 * 5;
  assert.equal(r.solve, 1);
  assert.equal(r.momentum, 0);
  assert.ok(Math.abs(r.lr - 3 / dCd) < 1e-15);
  assert.ok(Math.abs(r.predictedChange - -0.5 * (3 * 3) / dCd) < 1e-15);
});

test('a previous step parallel to d (singular system): the minimum-norm solution', () => {
  const H = [[2, 0], [0, 1]];
  const g = [1, 1];
  const d = [1, 2];
  const p = [-2, -4]; // p = -2 d, so s = -(alpha + 2 mu) d
  const r = solveQuadraticModel(inputs(H, 0, g, d, p));
  assert.equal(r.solve, 2);
  const along = r.lr + 2 * r.momentum; // the 1-D minimiser along -d is 3 / 6
  assert.ok(Math.abs(along - 0.5) < 1e-9, `${along}`);
  // minimum norm: (alpha, mu) parallel to (1, 2)
  assert.ok(Math.abs(r.momentum - 2 * r.lr) < 1e-9, `${r.lr}, ${r.momentum}`);
});

test('a non-convex model falls back: first to d alone, then to the unit saddle-free step', () => {
  const H = [[1, 0], [0, -3]];
  const g = [2, 1];
  // convex along d = e1, concave along p = e2
  const alongD = solveQuadraticModel(inputs(H, 0, g, [1, 0], [0, 1]));
  assert.deepEqual([alongD.solve, alongD.lr, alongD.momentum], [1, 2, 0]);
  // concave along d as well
  const none = solveQuadraticModel(inputs(H, 0, g, [0, 1], [0, 1]));
  assert.deepEqual([none.solve, none.lr, none.momentum], [0, 1, 0]);
  assert.equal(none.predictedChange, -1 + 0.5 * -3);
});

test("the reference's degenerate solve: lr 1, momentum 0, model change -g.d / 2", () => {
  assert.deepEqual(referenceQuadraticModel(0.8), { lr: 1, momentum: 0, predictedChange: -0.4 });
});

test('Levenberg-Marquardt: down above rhoHigh, up below rhoLow, unchanged between, floored', () => {
  const o = { decay: 0.9, minDamping: 1e-8, rhoLow: 0.25, rhoHigh: 0.75 };
  assert.equal(adaptDamping(1, 0.9, o), 0.9);
  assert.equal(adaptDamping(1, 0.1, o), 1 / 0.9);
  assert.equal(adaptDamping(1, -3, o), 1 / 0.9);
  assert.equal(adaptDamping(1, 0.5, o), 1);
  assert.equal(adaptDamping(1, 0.75, o), 1);
  assert.equal(adaptDamping(1, 0.25, o), 1);
  assert.equal(adaptDamping(1.05e-8, 1, o), 1e-8);
  assert.equal(adaptDamping(0.3, Number.NaN, o), 0.3);
  assert.equal(adaptDamping(0.3, reductionRatio(1, Number.POSITIVE_INFINITY, -0.5), o), 0.3 / 0.9);
  assert.equal(reductionRatio(2, 1.5, -1), 0.5);
});

test('exact-mode safeguards: refuse a step that rose more than the promised fall; ignore rho below float32 resolution', () => {
  const o = { decay: 0.9, minDamping: 1e-8, rhoLow: 0.25, rhoHigh: 0.75 };
  // a good step: taken, damping down
  assert.deepEqual(safeguardedDamping(1, 0.9, -0.1, 0.5, o), { rho: (0.9 - 1) / -0.1, damping: 0.45, accepted: true, informative: true });
  // a small miss (the loss rose by less than the promised fall): taken, damping up
  const miss = safeguardedDamping(1, 1.05, -0.1, 0.5, o);
  assert.deepEqual([miss.accepted, miss.damping], [true, 0.5 / 0.9]);
  // a blow-up: refused, damping up
  const blowUp = safeguardedDamping(1, 3, -0.1, 0.5, o);
  assert.deepEqual([blowUp.accepted, blowUp.damping], [false, 0.5 / 0.9]);
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const r = safeguardedDamping(1, bad, -0.1, 0.5, o);
    assert.deepEqual([r.accepted, r.damping, r.rho], [false, 0.5 / 0.9, Number.NEGATIVE_INFINITY]);
  }
  // both changes below the loss's resolution: rho (here -1) is noise; the step is taken and the damping falls
  const tiny = 0.25 * LOSS_RESOLUTION;
  const noise = safeguardedDamping(1, 1 + tiny, -tiny, 0.5, o);
  assert.deepEqual([noise.accepted, noise.informative, noise.damping], [true, false, 0.45]);
  // a tiny prediction but a real change is information
  const real = safeguardedDamping(1, 1 + 100 * LOSS_RESOLUTION, -tiny, 0.5, o);
  assert.deepEqual([real.accepted, real.informative, real.damping], [false, true, 0.5 / 0.9]);
});
