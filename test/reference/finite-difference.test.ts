import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHvpProblem, makeProblemFor, type HvpProblem } from '../../src/check/problem.js';
import { mlp, resnet18 } from '../../src/models/zoo.js';
import { parameterCount } from '../../src/models/spec.js';
import {
  directionalDerivativeByFiniteDifference, evaluateReference, hvpByFiniteDifference, referenceHessian,
  referenceHessianFiniteDifference,
} from '../../src/reference/index.js';

/**
 * The reference proves itself in float64: its gradient matches central differences of its loss,
 * and its exact forward-over-reverse H v matches central differences of its gradient, on every
 * layer kind the models use (and sigmoid), with masked rows.
 */

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const problems: [string, () => HvpProblem][] = [
  ['uci-mlp', () => makeHvpProblem('uci-mlp', 1, { avoidKinks: true })],
  ['uci-mlp-tanh', () => makeHvpProblem('uci-mlp-tanh', 2, { avoidKinks: true })],
  ['fmnist-mlp', () => makeHvpProblem('fmnist-mlp', 3, { avoidKinks: true })],
  ['small-convnet', () => makeHvpProblem('small-convnet', 4, { avoidKinks: true })],
  [
    'sigmoid mlp',
    () => makeProblemFor({ spec: mlp({ name: 'sig', input: 5, hidden: [6, 4], output: 3, activation: 'sigmoid' }), loss: 'ce' }, 5, {
      batchSize: 7, maskedRows: [1], avoidKinks: true,
    }),
  ],
  [
    'narrow resnet-18 (imagenet stem)',
    () => makeProblemFor({ spec: resnet18({ widths: [2, 3, 3, 4], classes: 5 }), loss: 'ce' }, 6, {
      batchSize: 3, maskedRows: [2], avoidKinks: true,
    }),
  ],
];

for (const [name, make] of problems) {
  test(`reference ${name}: gradient = central differences of the loss; exact H v = central differences of the gradient`, () => {
    const p = make();
    for (const v of p.directions) {
      const e = evaluateReference(p.def, p.params, p.batch, v);
      assert.ok(e.kinkMargin > 0, 'the problem sits on a kink');
      const fdLoss = directionalDerivativeByFiniteDifference(p.def, p.params, p.batch, v);
      const slopeError = Math.abs(fdLoss.value[0] - dot(e.grad, v)) / Math.abs(dot(e.grad, v));
      assert.ok(slopeError < 1e-8, `g.v relative error ${slopeError}`);
      assert.ok(Math.abs(e.lossTangent - dot(e.grad, v)) <= 1e-12 * Math.abs(dot(e.grad, v)) + 1e-300, 'forward-mode tangent != g.v');
      const fd = hvpByFiniteDifference(p.def, p.params, p.batch, v);
      const hvpError = relError(e.hvp, fd.value);
      assert.ok(hvpError < 1e-7, `H v relative error ${hvpError} (h ${fd.h}, FD error estimate ${fd.errorEstimate})`);
      // g(p + t v) - g(p) is odd to first order: the difference must be a real signal, not zero
      assert.ok(Math.sqrt(dot(fd.value, fd.value)) > 0);
    }
  });
}

test('reference gradient, coordinate by coordinate, on the small conv net', () => {
  const p = makeHvpProblem('small-convnet', 7, { avoidKinks: true });
  const g = evaluateReference(p.def, p.params, p.batch).grad;
  const n = parameterCount(p.def.spec);
  const fd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    fd[i] = directionalDerivativeByFiniteDifference(p.def, p.params, p.batch, e).value[0];
  }
  assert.ok(relError(g, fd) < 1e-8, `relative error ${relError(g, fd)}`);
});

test('reference Hessian of the small conv net: symmetric, and equal to the finite-difference Hessian', () => {
  const p = makeHvpProblem('small-convnet', 8, { avoidKinks: true });
  const n = parameterCount(p.def.spec);
  const h = referenceHessian(p.def, p.params, p.batch);
  const hT = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) hT[i * n + j] = h[j * n + i];
  assert.ok(relError(h, hT) < 1e-13, `asymmetry ${relError(h, hT)}`);
  const fd = referenceHessianFiniteDifference(p.def, p.params, p.batch);
  assert.ok(relError(fd, h) < 1e-7, `relative error ${relError(fd, h)}`);
});

test('finite differences refuse a step that would cross a relu kink', () => {
  const p = makeHvpProblem('uci-mlp', 1, { avoidKinks: true });
  const v = p.directions[0];
  const margin = evaluateReference(p.def, p.params, p.batch, v).kinkMargin;
  assert.throws(() => hvpByFiniteDifference(p.def, p.params, p.batch, v, margin), /cross a relu kink/);
});
