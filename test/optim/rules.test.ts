import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { composeOptimizer } from '../../src/optim/compose.js';
import { identityDirection } from '../../src/optim/directions/identity.js';
import type { Direction } from '../../src/optim/directions/types.js';
import { adaptiveRule } from '../../src/optim/rules/adaptive.js';
import type { CurvatureModel } from '../../src/optim/rules/types.js';
import { dot, gradF64, matVec, runSteps, symmetricWithSpectrum, type ExplicitProblem } from './ours-fixtures.js';

/**
 * The adaptive rule with a curvature model other than the Hessian (as KFAC will hand it the
 * Fisher): [lr, momentum] minimise g.s + 1/2 s^T (K + lambda I) s over s = -lr d + momentum p,
 * i.e. the 2x2 system (A + lambda D) x = -b with A_ij = v_i.K v_j, D = V^T V; when the model says
 * its K already includes the damping, no lambda D is added.
 */
before(async () => {
  await initBackend('cpu');
});

const problem: ExplicitProblem = { H: symmetricWithSpectrum([2, 1, 0.5, -0.5], 5), b: [0.3, -0.2, 0.1, 0.4], gamma: 0 };
const K = symmetricWithSpectrum([3, 1, 0.4, 0.1], 9); // a positive definite stand-in for a Fisher
const w0 = [0.5, -1, 0.25, 1];

function withCurvature(includesDamping: boolean): Direction<null> {
  const identity = identityDirection();
  const curvature: CurvatureModel = {
    includesDamping,
    async gram(vectors) {
      const vs = await Promise.all(vectors.map(async (v) => Array.from(await v.data())));
      return { gram: vs.map((a) => vs.map((b) => dot(a, matVec(K, b)))), hvps: 0 };
    },
  };
  return { ...identity, compute: async (input, state) => ({ ...(await identity.compute(input, state)), curvature }) };
}

test('adaptive rule: the solve equals the directly computed 2x2 solution with C = K + lambda I, or K alone when it includes the damping', async () => {
  for (const includesDamping of [false, true]) {
    const lm = { decay: 0.9, minDamping: 1e-8, rhoLow: 0.25, rhoHigh: 0.75 };
    const opt = composeOptimizer('test', withCurvature(includesDamping), adaptiveRule({ damping: 0.2, lm, model: 'plane', acceptance: 'every-step' }));
    const { ws, infos } = await runSteps(opt, problem, w0, 3);
    for (let t = 0; t < 3; t++) {
      const lambda = includesDamping ? 0 : infos[t].damping;
      const C = (v: number[]) => matVec(K, v).map((x, i) => x + lambda * v[i]);
      const g = gradF64(problem, ws[t]);
      const d = g; // the identity direction
      let lr: number;
      let momentum: number;
      if (t === 0) {
        lr = dot(g, d) / dot(d, C(d));
        momentum = 0;
      } else {
        const p = ws[t].map((w, i) => w - ws[t - 1][i]);
        const [a11, a12, a22] = [dot(d, C(d)), -dot(d, C(p)), dot(p, C(p))];
        const [r1, r2] = [-dot(g, d), dot(g, p)];
        const det = a11 * a22 - a12 * a12;
        lr = (-r1 * a22 + r2 * a12) / det;
        momentum = (-r2 * a11 + r1 * a12) / det;
      }
      const tag = `includesDamping ${includesDamping} step ${t}`;
      assert.ok(Math.abs(infos[t].lr - lr) < 1e-4 * Math.abs(lr), `${tag}: lr ${infos[t].lr} vs ${lr}`);
      assert.ok(Math.abs(infos[t].momentum - momentum) < 1e-4 * Math.max(Math.abs(momentum), 1e-2), `${tag}: momentum ${infos[t].momentum} vs ${momentum}`);
      assert.equal(infos[t].hvps, 0);
      assert.equal(infos[t].evaluations, 1);
    }
    assert.ok(Math.abs(infos[2].momentum) > 1e-3, 'momentum is used');
  }
  assert.equal(tf.memory().numTensors, 0);
});
