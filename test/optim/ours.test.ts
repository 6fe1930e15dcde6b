import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { HYPERPARAMETER_SCHEMAS } from '../../src/config/hyperparameters.js';
import { make } from './make.js';
import { ours } from '../../src/optim/ours.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { Float64VectorSpace, seriesDirection } from '../../src/optim/series/index.js';
import { dotAccumulationFor, HOST_DOT_LIMIT } from '../../src/optim/series-space.js';
import { symmetricEigen } from '../../src/linalg/symmetric-eigen.js';
import { fromRows } from '../../src/linalg/matrix.js';
import { explicitObjective, gradF64, hessianF64, lossF64, matVec, runSteps, symmetricWithSpectrum, type ExplicitProblem } from './ours-fixtures.js';

before(async () => {
  await initBackend('cpu');
});

const hp = (over: Record<string, unknown>) => HYPERPARAMETER_SCHEMAS.ours.parse({ lr: 1, ...over });
const f64 = new Float64VectorSpace();

/** the float64 series direction of the same algorithm at w (what the float32 optimiser approximates) */
async function directionF64(problem: ExplicitProblem, w: number[], o: { K: number; N: number; damping: number; V: number; accelerator?: 'wynn' | 'sablonniere' | 'none' }) {
  const H = hessianF64(problem, w);
  return seriesDirection(f64, Float64Array.from(gradF64(problem, w)), (v) => Float64Array.from(matVec(H, Array.from(v))), {
    terms: o.K,
    order: o.N,
    damping: o.damping,
    V: o.V,
    accelerator: o.accelerator ?? 'sablonniere',
  });
}

const indefinite: ExplicitProblem = {
  H: symmetricWithSpectrum([3, 1.5, 0.5, -0.7, -2], 7),
  b: [0.3, -0.2, 0.5, 0.1, -0.4],
  gamma: 0,
};

test('ours: the update is lr times the series direction plus heavy-ball momentum, w <- w - u', async () => {
  // N = 0: float32 vs float64 of the plain partial sum agree to ~1e-6; acceleration amplifies rounding
  const o = { K: 9, N: 0, lr: 0.7, momentum: 0.4, damping: 0.05, accelerator: 'sablonniere' as const };
  const w0 = [0.5, -1, 0.25, 1, -0.5];
  const { ws, infos } = await runSteps(make(ours, hp({ ...o, compat: 'exact' })), indefinite, w0, 3);
  let V = 100;
  let u = [0, 0, 0, 0, 0];
  for (let t = 0; t < 3; t++) {
    const ref = await directionF64(indefinite, ws[t], { ...o, V });
    V = ref.V;
    u = Array.from(ref.direction, (d, i) => o.lr * d + o.momentum * u[i]);
    const expected = ws[t].map((w, i) => w - u[i]);
    const scale = Math.max(...u.map(Math.abs));
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(ws[t + 1][i] - expected[i]) < 2e-5 * scale + 1e-6, `step ${t} entry ${i}: ${ws[t + 1][i]} vs ${expected[i]}`);
    assert.equal(infos[t].V, V);
    assert.equal(infos[t].hvps, 2 * (o.K - 1));
    assert.deepEqual([infos[t].lr, infos[t].momentum, infos[t].damping, infos[t].fallbacks], [o.lr, o.momentum, o.damping, 0]);
  }
});

test('ours: V starts at V0 and rises to ||H^2 g|| / ||g|| when that is larger', async () => {
  const steep: ExplicitProblem = { H: [[30, 0], [0, -1]], b: [0, 0], gamma: 0 };
  const { infos } = await runSteps(make(ours, hp({ K: 3, N: 0, compat: 'exact' })), steep, [1, 0], 1);
  assert.ok(Math.abs(infos[0].V - 900) < 1e-3, `V = ${infos[0].V}`); // H^2 g / ||g|| = 30^2 on this eigenvector
  const { infos: small } = await runSteps(make(ours, hp({ K: 3, N: 0, compat: 'exact', V0: 2000 })), steep, [1, 0], 2);
  assert.deepEqual(small.map((i) => i.V), [2000, 2000]);
});

test('ours: with many terms the step is the exact saddle-free Newton step (|H| + damping I)^{-1} g', async () => {
  const damping = 0.1;
  const w0 = [0.2, 0.4, -0.3, 0.1, 0.6];
  const problem: ExplicitProblem = { H: symmetricWithSpectrum([2, 1.5, 1, -1.2, -1.8], 3), b: [0.1, 0, -0.2, 0.3, 0], gamma: 0 };
  const { ws } = await runSteps(make(ours, hp({ K: 41, N: 3, damping, compat: 'exact', V0: 4 })), problem, w0, 1);
  const eig = symmetricEigen(fromRows(problem.H));
  const q = eig.vectors!;
  const g = gradF64(problem, w0);
  const exact = w0.map(() => 0);
  for (let k = 0; k < 5; k++) {
    let c = 0;
    for (let i = 0; i < 5; i++) c += q.data[i * 5 + k] * g[i];
    c /= Math.abs(eig.values[k]) + damping;
    for (let i = 0; i < 5; i++) exact[i] += c * q.data[i * 5 + k];
  }
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(w0[i] - ws[1][i] - exact[i]) < 1e-4, `entry ${i}`);
});

test('ours: K = 1 is a gradient step g / (sqrt(V0) + damping) (g / sqrt(V0) in reference mode), no curvature products', async () => {
  const w0 = [0.5, -1, 0.25, 1, -0.5];
  const g = gradF64(indefinite, w0);
  for (const [compat, damping, scale] of [['exact', 0.3, 10.3], ['reference', 0, 10], ['reference', 0.3, 10]] as const) {
    const { ws, infos } = await runSteps(make(ours, hp({ K: 1, N: 0, lr: 2, damping, compat })), indefinite, w0, 1);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(ws[1][i] - (w0[i] - (2 * g[i]) / scale)) < 1e-6, `${compat} damping ${damping} entry ${i}`);
    assert.equal(infos[0].hvps, 0);
    assert.equal(infos[0].V, 100);
  }
});

test('ours on the saddle of Figure 1: moves away along negative curvature where Newton lands on the saddle', async () => {
  // f(x, y) = 2x^2 + 2xy - y^2 (the series tests' saddle), Hessian [[4, 2], [2, -2]], saddle at 0
  const saddle: ExplicitProblem = { H: [[4, 2], [2, -2]], b: [0, 0], gamma: 0 };
  const eig = symmetricEigen(fromRows(saddle.H));
  const negative = [eig.vectors!.data[0], eig.vectors!.data[2]];
  const along = (w: number[]) => w[0] * negative[0] + w[1] * negative[1];
  const w0 = [0.75, 1];
  for (const compat of ['exact', 'reference'] as const) {
    const { ws } = await runSteps(make(ours, hp({ K: 8, N: 2, lr: 1, compat })), saddle, w0, 3);
    for (let t = 0; t < 3; t++) {
      assert.ok(Math.abs(along(ws[t + 1])) > Math.abs(along(ws[t])), `${compat} step ${t}: away from the saddle`);
      assert.ok(lossF64(saddle, ws[t + 1]) < lossF64(saddle, ws[t]), `${compat} step ${t}: loss decreases`);
    }
  }
});

test('ours: tensor count stays flat over many steps, with and without momentum', async () => {
  for (const momentum of [0.5, 0]) {
    const opt = make(ours, hp({ K: 7, N: 2, momentum, damping: 0.01, compat: 'exact' }));
    let params = tf.tensor1d([0.5, -1, 0.25, 1, -0.5]);
    let state = opt.init(params);
    let counts: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await opt.step(explicitObjective(indefinite, params), params, state);
      params.dispose();
      params = r.params;
      state = r.state;
      counts.push(tf.memory().numTensors);
    }
    opt.dispose(state);
    params.dispose();
    counts = counts.slice(1);
    assert.ok(counts.every((c) => c === counts[0]), `momentum ${momentum}: ${counts.join(',')}`);
  }
});

test('ours: built by the registry; K < 2N+1 is refused when the optimiser is built', async () => {
  const opt = createOptimizer({ name: 'ours', hyperparameters: hp({ K: 5, N: 2 }) }, { parameterCount: 5, seed: 0 });
  assert.equal(opt.name, 'ours');
  assert.throws(() => make(ours, hp({ K: 4, N: 2 })), /K >= 2N\+1/);
});

test('dot products: float64 on the host up to HOST_DOT_LIMIT entries, on the device above', async () => {
  assert.equal(dotAccumulationFor(40_000), 'float64');
  assert.equal(dotAccumulationFor(HOST_DOT_LIMIT), 'float64');
  assert.equal(dotAccumulationFor(11_000_000), 'backend');
});
