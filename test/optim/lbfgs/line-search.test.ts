import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Float64LbfgsSpace } from '../../../src/optim/lbfgs/space.js';
import {
  cubicMinimizer,
  quadraticMinimizer,
  strongWolfeLineSearch,
  type LbfgsCompat,
  type LineSearchOptions,
} from '../../../src/optim/lbfgs/line-search.js';
import { logged, overshoot, recorded, type Fn } from './fixtures.js';

const space = new Float64LbfgsSpace();
const options = (compat: LbfgsCompat, o: Partial<LineSearchOptions> = {}): LineSearchOptions => ({
  compat,
  c1: 1e-4,
  c2: 0.9,
  initialStep: 1,
  maxEvaluations: 20,
  precision: 'float64',
  ...o,
});

/** a 1-D function given by phi(t) = f(-t) along p = -1 from x = 0 */
function along(phi: (t: number) => number, dphi: (t: number) => number): Fn {
  return (x) => ({ loss: phi(-x[0]), grad: Float64Array.of(-dphi(-x[0])) });
}

async function search(fn: Fn, o: LineSearchOptions) {
  const { evaluate, log } = logged(fn);
  const x = Float64Array.of(0);
  const p = Float64Array.of(-1);
  const start = fn(x);
  const r = await strongWolfeLineSearch(space, evaluate, x, p, start.loss, start.grad, o);
  return { r, log, start };
}

// (a unit step that overshoots, phi'(1) > c2 |phi'(0)|, makes the reference fail: tested on its own below)
const cases: [string, Fn][] = [
  ['a quadratic with its minimum at t = 0.01 (zoom from the unit step)', along((t) => (t - 0.01) ** 2, (t) => 2 * (t - 0.01))],
  ['a quadratic with its minimum at t = 1', along((t) => (t - 1) ** 2, (t) => 2 * (t - 1))],
  ['a quadratic with its minimum at t = 300 (bracketing by doubling)', along((t) => ((t - 300) ** 2) / 600, (t) => (t - 300) / 300)],
  ['a steep wall between t = 1 and 2 (zoom after bracketing)', along((t) => -t + Math.exp(20 * (t - 1.5)), (t) => -1 + 20 * Math.exp(20 * (t - 1.5)))],
  ['log(1 + e^{-5t}) + 0.01 t^2', along((t) => Math.log1p(Math.exp(-5 * t)) + 0.01 * t * t, (t) => -5 / (1 + Math.exp(5 * t)) + 0.02 * t)],
];

for (const compat of ['reference', 'exact'] as const) {
  for (const [name, fn] of cases) {
    test(`${compat}: the accepted step meets the strong-Wolfe conditions on ${name}`, async () => {
      const o = options(compat);
      const { r, log, start } = await search(fn, o);
      assert.equal(r.failed, false);
      assert.ok(r.step > 0);
      // the answer's loss and gradient are those evaluated at x + a p
      const at = recorded(log, Float64Array.of(-r.step));
      assert.equal(r.loss, at.loss);
      assert.deepEqual(Array.from(r.grad), Array.from(at.grad));
      const slope0 = -start.grad[0];
      const slope = -at.grad[0];
      assert.ok(at.loss <= start.loss + o.c1 * r.step * slope0, `sufficient decrease: ${at.loss} vs ${start.loss}`);
      assert.ok(Math.abs(slope) <= o.c2 * Math.abs(slope0), `curvature: ${slope} vs ${slope0}`);
      assert.equal(r.evaluations, log.length);
    });
  }
}

test('reference: an overshooting unit step fails the zoom (signed width) and returns a = 1 with the gradient at x, as JAX 0.3.14', async () => {
  const { r, log, start } = await search(overshoot, options('reference'));
  // the unit step, then the zoom's one evaluation (its quadratic trial, t = 2/3, no better than t = 1)
  assert.equal(log.length, 2);
  assert.equal(log[0].x[0], -1);
  assert.ok(Math.abs(log[1].x[0] + 2 / 3) < 1e-15);
  assert.equal(r.failed, true);
  assert.equal(r.step, 1);
  assert.equal(r.loss, -0.5);
  assert.deepEqual(Array.from(r.grad), Array.from(start.grad), 'the gradient at x, not at x + p (JAX initialises the zoom answer so)');
  assert.equal(r.evaluations, 2);
});

test('exact: the same overshoot is zoomed properly to a strong-Wolfe point', async () => {
  const o = options('exact');
  const { r, log, start } = await search(overshoot, o);
  assert.equal(r.failed, false);
  const at = recorded(log, Float64Array.of(-r.step));
  assert.ok(at.loss <= start.loss - o.c1 * r.step);
  assert.ok(Math.abs(at.grad[0]) <= o.c2);
  assert.deepEqual(Array.from(r.grad), Array.from(at.grad));
});

test('reference: bracketing that never ends (a linear descent) fails after maxEvaluations doublings with a = 0, the start loss and gradient', async () => {
  const line = along((t) => -t, () => -1);
  const { r, log, start } = await search(line, options('reference', { maxEvaluations: 7 }));
  assert.deepEqual(
    log.map((e) => -e.x[0]),
    [1, 2, 4, 8, 16, 32, 64],
  );
  assert.equal(r.failed, true);
  assert.equal(r.step, 0);
  assert.equal(r.loss, start.loss);
  assert.deepEqual(Array.from(r.grad), Array.from(start.grad));
});

test('exact: maxEvaluations bounds every evaluation and a failure keeps the lowest sufficient-decrease point', async () => {
  const line = along((t) => -t, () => -1);
  const { r, log } = await search(line, options('exact', { maxEvaluations: 7 }));
  assert.equal(log.length, 7);
  assert.equal(r.failed, true);
  assert.equal(r.step, 64);
  assert.equal(r.loss, -64);
  // a zoom counts against the same budget
  const steep = along((t) => (t - 1e-3) ** 2, (t) => 2 * (t - 1e-3));
  const z = await search(steep, options('exact', { maxEvaluations: 3 }));
  assert.ok(z.log.length <= 3);
  assert.equal(z.r.evaluations, z.log.length);
  if (z.r.failed) assert.ok(z.r.step === 0 || z.r.loss < (0 - 1e-3) ** 2);
});

test('reference: with float32 thresholds a step below 1e-8 is raised to 1e-8 (its loss and gradient stay those of the smaller step)', async () => {
  const phi = (t: number) => -t + 0.6e9 * t * t;
  const dphi = (t: number) => -1 + 1.2e9 * t;
  const fn = along(phi, dphi);
  const f32 = await search(fn, options('reference', { initialStep: 1e-9, precision: 'float32' }));
  assert.equal(f32.r.failed, false);
  // reference mode in float32 computes its scalars in float32, as JAX did
  assert.equal(f32.r.step, Math.fround(1e-8));
  assert.equal(f32.r.loss, Math.fround(phi(1e-9)));
  const f64 = await search(fn, options('reference', { initialStep: 1e-9, precision: 'float64' }));
  assert.equal(f64.r.step, 1e-9);
  const exact = await search(fn, options('exact', { initialStep: 1e-9, precision: 'float32' }));
  assert.equal(exact.r.step, 1e-9);
});

test('the interpolants: exact minimisers of a quadratic and a cubic; NaN when the cubic has no minimum', () => {
  // q(t) = 3 (t - 0.4)^2 + 1
  const q = (t: number) => 3 * (t - 0.4) ** 2 + 1;
  assert.ok(Math.abs(quadraticMinimizer(0, q(0), 6 * (0 - 0.4), 1, q(1)) - 0.4) < 1e-15);
  // c(t) = t^3 - 3 t: local minimum at t = 1
  const c = (t: number) => t ** 3 - 3 * t;
  assert.ok(Math.abs(cubicMinimizer(0, c(0), -3, 2, c(2), 1.5, c(1.5)) - 1) < 1e-12);
  // a cubic that only decreases has none
  const d = (t: number) => -(t ** 3) - t;
  assert.ok(Number.isNaN(cubicMinimizer(0, d(0), -1, 1, d(1), 2, d(2))));
});

test('bad options are refused with the rule they break', async () => {
  const fn = along((t) => t * t, (t) => 2 * t);
  await assert.rejects(search(fn, options('exact', { c1: 0.95 })), /0 < c1 < c2 < 1/);
  await assert.rejects(search(fn, options('exact', { initialStep: 0 })), /first trial step/);
  await assert.rejects(search(fn, options('exact', { maxEvaluations: 0 })), /maxEvaluations/);
});

test('reference in float32: a loss flat to float32 resolution passes sufficient decrease, as in JAX; in float64 it does not', async () => {
  // phi(0) = 1, phi'(0) = -1e-6: c1 a phi'(0) = -1e-10 is below half an ulp of 1 in float32, so JAX's
  // float32 right-hand side phi(0) + c1 a phi'(0) is 1 and phi(1) = 1 is not above it
  const fn = along(
    () => 1,
    (t) => -1e-6 * (1 - t),
  );
  const f32 = await search(fn, options('reference', { precision: 'float32' }));
  assert.equal(f32.r.failed, false);
  assert.equal(f32.r.step, 1);
  assert.equal(f32.log.length, 1);
  // float64: 1 > 1 - 1e-10, the unit step is too far; the zoom finds no lower point and fails
  const f64 = await search(fn, options('reference', { precision: 'float64' }));
  assert.ok(f64.log.length > 1, `${f64.log.length} evaluations`);
  assert.equal(f64.r.failed, true);
});

test('the interpolants in float32 (each operation rounded, as JAX computed them) stay within float32 accuracy of the exact ones', () => {
  const q = (t: number) => 3 * (t - 0.4) ** 2 + 1;
  const quad = quadraticMinimizer(0, q(0), 6 * (0 - 0.4), 1, q(1), Math.fround);
  assert.equal(quad, Math.fround(quad));
  assert.ok(Math.abs(quad - 0.4) < 1e-6);
  const c = (t: number) => t ** 3 - 3 * t;
  const cubic = cubicMinimizer(0, c(0), -3, 2, c(2), 1.5, c(1.5), Math.fround);
  assert.equal(cubic, Math.fround(cubic));
  assert.ok(Math.abs(cubic - 1) < 1e-5);
});
