import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Float64LbfgsSpace } from '../../../src/optim/lbfgs/space.js';
import { createLbfgsState, historyCapacity, lbfgsRun, type LbfgsRunOptions } from '../../../src/optim/lbfgs/lbfgs-run.js';
import { dot, float64Options, logged, overshoot, rosenbrock, type Fn } from './fixtures.js';

/**
 * One inner run per training step: what carries over between runs (iterate, history, gamma, the
 * final loss and gradient), what restarts (the counters), the limits in both modes, and failures.
 */
const space = new Float64LbfgsSpace();

/** the extended Rosenbrock function in 6 dimensions (three independent 2-D pairs), minimum at 1 */
const extendedRosenbrock: Fn = (x) => {
  let loss = 0;
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    const [a, b] = [x[i], x[i + 1]];
    loss += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    grad[i] = -400 * a * (b - a * a) - 2 * (1 - a);
    grad[i + 1] = 200 * (b - a * a);
  }
  return { loss, grad };
};
const start6 = () => Float64Array.of(-1.2, 1, -1.5, 2, 0.5, -0.5);

async function calls(o: LbfgsRunOptions, fn: Fn, x0: Float64Array, count: number) {
  const { evaluate, log } = logged(fn);
  const state = createLbfgsState(space, o);
  const runs: { start: Float64Array; iterations: number; evaluations: number; status: number; historyAfter: number; steps: Float64Array[] }[] = [];
  let x = x0;
  for (let c = 0; c < count; c++) {
    const steps: Float64Array[] = [];
    const firstEvaluation = log.length;
    const start = Float64Array.from(x);
    const r = await lbfgsRun(space, evaluate, x, state, o, {
      onIteration: (previous, next) => steps.push(Float64Array.from(next, (v, i) => v - previous[i])),
    });
    x = r.x;
    runs.push({ start, iterations: r.iterations, evaluations: r.evaluations, status: r.status, historyAfter: state.history.length, steps });
    assert.equal(r.evaluations, log.length - firstEvaluation, `call ${c}: evaluations counted as made`);
  }
  return { runs, x, state, log };
}

test('exact mode: history and gamma carry over, counters restart, and no run exceeds 20 iterations or 25 evaluations', async () => {
  const o = float64Options({ compat: 'exact' });
  const { runs, x, state } = await calls(o, extendedRosenbrock, start6(), 8);
  for (const [c, r] of runs.entries()) {
    assert.ok(r.iterations <= 20, `call ${c}: ${r.iterations} iterations`);
    assert.ok(r.evaluations <= 25, `call ${c}: ${r.evaluations} evaluations`);
  }
  // the first run hits a limit (the counters then restart), and the history keeps growing across runs
  assert.ok(runs[0].status === 1 || runs[0].status === 2, `first run status ${runs[0].status}`);
  assert.ok(runs[1].historyAfter > runs[0].historyAfter, 'pairs of the first run are kept');
  assert.ok(runs.at(-1)!.historyAfter <= historyCapacity(o));
  // later runs use the earlier pairs: the second run's first step is not along -g
  const g = extendedRosenbrock(runs[1].start).grad;
  const s = runs[1].steps[0];
  const cosine = -dot(s, g) / Math.sqrt(dot(s, s) * dot(g, g));
  assert.ok(cosine < 0.99, `cos(s, -g) = ${cosine}`);
  assert.ok(state.gamma > 0 && Number.isFinite(state.gamma));
  assert.ok(Math.max(...Array.from(x, (v) => Math.abs(v - 1))) < 1e-4, `ends at [${Array.from(x)}]`);
});

test('reference mode: f and g carry over without re-evaluation, each run starts along -gamma g, earlier pairs stay stored but unused', async () => {
  const o = float64Options();
  const { evaluate, log } = logged(rosenbrock);
  const state = createLbfgsState(space, o);
  const first = await lbfgsRun(space, evaluate, Float64Array.of(-1.2, 1), state, o);
  assert.equal(log.length, first.evaluations);
  const stored = state.history.length;
  assert.equal(stored, Math.min(first.iterations, historyCapacity(o)));
  const gammaBefore = state.gamma;
  const gBefore = Float64Array.from(state.last!.grad);
  const x1 = first.x;

  let firstStep: Float64Array | null = null;
  const evaluatedBefore = log.length;
  const second = await lbfgsRun(space, evaluate, x1, state, o, {
    onIteration: (previous, next) => {
      firstStep ??= Float64Array.from(next, (v, i) => v - previous[i]);
    },
  });
  // no evaluation at x1: the first one of the second run is a trial point of its line search
  assert.notDeepEqual(Array.from(log[evaluatedBefore].x), Array.from(x1));
  assert.equal(second.evaluations, log.length - evaluatedBefore);
  // the first step is a multiple of -gamma g: the stored pairs were not used
  const s = firstStep!;
  const cross = s[0] * gBefore[1] - s[1] * gBefore[0];
  assert.ok(Math.abs(cross) <= 1e-12 * Math.hypot(...s) * Math.hypot(...gBefore), `first step [${Array.from(s)}] not along g`);
  assert.ok(s[0] * gBefore[0] + s[1] * gBefore[1] < 0);
  assert.ok(gammaBefore > 0);
  assert.equal(state.history.length, Math.min(stored + second.iterations, historyCapacity(o)));
});

test('reference mode: the limits are checked against the counters from before an iteration (maxIterations + 1 iterations, evaluations past the limit)', async () => {
  const o = float64Options({ maxIterations: 3, maxEvaluations: 1000, changeTolerance: 0 });
  const { runs } = await calls(o, extendedRosenbrock, start6(), 3);
  for (const r of runs) {
    assert.equal(r.iterations, 4);
    assert.equal(r.status, 1);
  }
  // maxEvaluations: the run stops after the first iteration that began with at least that many
  const e = float64Options({ maxEvaluations: 2, changeTolerance: 0 });
  const { runs: byEvaluations } = await calls(e, extendedRosenbrock, start6(), 2);
  for (const [c, r] of byEvaluations.entries()) {
    assert.equal(r.status, 2, `call ${c}`);
    assert.ok(r.evaluations > 2, `call ${c}: ${r.evaluations} evaluations`);
  }
  // reference mode keeps only the pairs a run can use
  assert.equal(historyCapacity(float64Options({ historySize: 100, maxIterations: 20 })), 20);
  assert.equal(historyCapacity(float64Options({ compat: 'exact', historySize: 100, maxIterations: 20 })), 100);
});

test('reference mode: a failed line search that returns the gradient at x makes gamma NaN, and the next run NaN, as the paper\'s code', async () => {
  // the paper's code on this function (float64): run 0: k 1, nfev 3, status 5, f -0.5, x [-1], gamma NaN;
  // run 1: k 1, nfev 20, status 5, f -0.5, x [NaN]
  const o = float64Options();
  const { evaluate } = logged(overshoot);
  const state = createLbfgsState(space, o);
  const r0 = await lbfgsRun(space, evaluate, Float64Array.of(0), state, o);
  assert.deepEqual(
    { k: r0.iterations, nfev: r0.evaluations, status: r0.status, failed: r0.lineSearchFailed, f: r0.loss, x: Array.from(r0.x) },
    { k: 1, nfev: 3, status: 5, failed: true, f: -0.5, x: [-1] },
  );
  assert.ok(Number.isNaN(state.gamma));
  const r1 = await lbfgsRun(space, evaluate, r0.x, state, o);
  assert.deepEqual({ k: r1.iterations, nfev: r1.evaluations, status: r1.status, f: r1.loss }, { k: 1, nfev: 20, status: 5, f: -0.5 });
  assert.ok(Number.isNaN(r1.x[0]));
});

test('exact mode: the same function converges; a line search that runs out of evaluations is reported and ends the run at its best point', async () => {
  const o = float64Options({ compat: 'exact' });
  const { evaluate } = logged(overshoot);
  const state = createLbfgsState(space, o);
  const r = await lbfgsRun(space, evaluate, Float64Array.of(0), state, o);
  assert.equal(r.status, 0);
  assert.equal(r.lineSearchFailed, false);
  assert.ok(r.converged);

  // a linear descent: bracketing never ends, the 20-evaluation budget runs out
  const line: Fn = (x) => ({ loss: -x[0], grad: Float64Array.of(-1) });
  const lineRun = logged(line);
  const s2 = createLbfgsState(space, o);
  const failed = await lbfgsRun(space, lineRun.evaluate, Float64Array.of(0), s2, o);
  assert.equal(failed.status, 5);
  assert.equal(failed.lineSearchFailed, true);
  assert.equal(failed.iterations, 1);
  assert.equal(failed.evaluations, 21);
  assert.equal(failed.x[0], 2 ** 19, 'the furthest (lowest) point tried');
  assert.equal(s2.history.length, 0, 'y = 0: no pair stored');
});

test('exact mode stops at once when the gradient meets the tolerance; reference mode still runs one iteration', async () => {
  const quadratic: Fn = (x) => ({ loss: 0.5 * x[0] * x[0], grad: Float64Array.of(x[0]) });
  const at = Float64Array.of(1e-7);
  const exact = await lbfgsRun(space, logged(quadratic).evaluate, at, createLbfgsState(space, float64Options({ compat: 'exact' })), float64Options({ compat: 'exact' }));
  assert.deepEqual({ k: exact.iterations, nfev: exact.evaluations, converged: exact.converged }, { k: 0, nfev: 1, converged: true });
  const reference = await lbfgsRun(space, logged(quadratic).evaluate, at, createLbfgsState(space, float64Options()), float64Options());
  assert.equal(reference.iterations, 1);
  assert.ok(reference.converged);
});

test("lineSearch 'none': a fixed step of lr along the direction, one evaluation per iteration", async () => {
  const o = float64Options({ lineSearch: 'none', lr: 0.001, maxIterations: 5, changeTolerance: 0 });
  const { evaluate, log } = logged(rosenbrock);
  const state = createLbfgsState(space, o);
  const r = await lbfgsRun(space, evaluate, Float64Array.of(-1.2, 1), state, o);
  // the first run evaluates its start, then one point per iteration (maxIterations + 1 iterations in reference mode)
  assert.equal(r.iterations, 6);
  assert.equal(r.evaluations, 7);
  const g0 = rosenbrock(Float64Array.of(-1.2, 1)).grad;
  assert.deepEqual(Array.from(log[1].x), [-1.2 - 0.001 * g0[0], 1 - 0.001 * g0[1]]);
});

test('bad run options are refused naming the option', async () => {
  const { evaluate } = logged(rosenbrock);
  for (const [key, value, pattern] of [
    ['historySize', 0, /historySize must be an integer of at least 1/],
    ['maxIterations', 1.5, /maxIterations must be an integer/],
    ['gradientTolerance', -1, /gradientTolerance must be a non-negative number/],
    ['lr', 0, /lr \(the first trial step\) must be a positive/],
  ] as const) {
    const o = float64Options({ [key]: value });
    await assert.rejects(lbfgsRun(space, evaluate, Float64Array.of(0, 0), { history: createLbfgsState(space, float64Options()).history, gamma: 1, last: null }, o), pattern);
  }
});
