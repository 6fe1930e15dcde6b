import type { LbfgsVectorSpace } from './space.js';
import { LbfgsHistory, lbfgsDirection } from './two-loop.js';
import { strongWolfeLineSearch, type Evaluate, type LbfgsCompat, type ThresholdPrecision } from './line-search.js';

export interface LbfgsRunOptions {
  compat: LbfgsCompat;
  /** curvature pairs kept (reference 100; see `historyCapacity`) */
  historySize: number;
  /** iterations per run (reference 20; see the compat notes at `lbfgsRun`) */
  maxIterations: number;
  /** loss-and-gradient evaluations per run (reference 25) */
  maxEvaluations: number;
  /** converged when max_i |g_i| < gradientTolerance after an iteration (reference 1e-5) */
  gradientTolerance: number;
  /** stop when an iteration lowers the loss by less than this, f_k - f_{k+1} < tol (reference 2.2e-9) */
  changeTolerance: number;
  /** 'none': a fixed step of `lr` along the direction, one evaluation per iteration */
  lineSearch: 'strong-wolfe' | 'none';
  /** the line search's first trial step, or the fixed step without one (reference 1) */
  lr: number;
  /** reference: bracketing iterations per line search (JAX maxls, 20); exact: evaluations per line search */
  lineSearchMaxEvaluations: number;
  c1: number;
  c2: number;
  precision: ThresholdPrecision;
}

/** the paper's settings (`WrappedLBFGS` with maxiter 20, maxfun 25, maxcor 100 and JAX's defaults) */
export const REFERENCE_LBFGS_OPTIONS: LbfgsRunOptions = {
  compat: 'reference',
  historySize: 100,
  maxIterations: 20,
  maxEvaluations: 25,
  gradientTolerance: 1e-5,
  changeTolerance: 2.220446049250313e-9,
  lineSearch: 'strong-wolfe',
  lr: 1,
  lineSearchMaxEvaluations: 20,
  c1: 1e-4,
  c2: 0.9,
  precision: 'float32',
};

/**
 * What a run ends with, as JAX's status codes: 0 converged (or nothing stopped it), 1 iteration
 * limit, 2 evaluation limit, 4 insufficient progress (changeTolerance), 5 line search failed.
 */
export type LbfgsStatus = 0 | 1 | 2 | 4 | 5;

/** What carries over from one run to the next (one run per training step). */
export interface LbfgsState<V> {
  history: LbfgsHistory<V>;
  /** the initial inverse-Hessian scale of the two-loop recursion, y.s / y.y of the newest pair (1 at first) */
  gamma: number;
  /**
   * The loss and gradient where the last run ended (owned by the state). Reference mode starts the
   * next run from them instead of evaluating again, as the paper's code did (exact for full-batch
   * training, stale by one batch otherwise); exact mode evaluates afresh.
   */
  last: { loss: number; grad: V } | null;
}

export interface LbfgsRunResult<V> {
  /** the final iterate, owned by the caller */
  x: V;
  /** the loss reported for it (the run's final f) */
  loss: number;
  iterations: number;
  evaluations: number;
  /** the last line search failed */
  lineSearchFailed: boolean;
  converged: boolean;
  status: LbfgsStatus;
}

export interface LbfgsRunHooks<V> {
  /** loss and gradient at x0 when the caller has a cheaper way than `evaluate(x0)` (e.g. cached passes) */
  evaluateStart?: () => Promise<{ loss: number; grad: V }>;
  /** called after every iteration with the iterates before and after it (borrowed) */
  onIteration?: (previous: V, next: V, lineSearchFailed: boolean) => void;
}

/**
 * Pairs a run can use. Reference mode uses only the pairs of its own run (see `lbfgsRun`), at most
 * maxIterations of them, so keeping more changes nothing; exact mode uses the whole history.
 */
export function historyCapacity(o: Pick<LbfgsRunOptions, 'compat' | 'historySize' | 'maxIterations'>): number {
  return o.compat === 'reference' ? Math.min(o.historySize, o.maxIterations) : o.historySize;
}

export function createLbfgsState<V>(space: LbfgsVectorSpace<V>, o: LbfgsRunOptions): LbfgsState<V> {
  return { history: new LbfgsHistory(space, historyCapacity(o)), gamma: 1, last: null };
}

export function disposeLbfgsState<V>(space: LbfgsVectorSpace<V>, state: LbfgsState<V>): void {
  state.history.dispose();
  if (state.last) space.dispose(state.last.grad);
  state.last = null;
}

/**
 * One inner L-BFGS run from x0 (borrowed), which updates `state` in place: iterate, history,
 * gamma and the final loss and gradient carry over to the next run; the counters start again.
 *
 * compat 'reference' is the paper's run (a modified copy of JAX 0.3.14's `_minimize_lbfgs`, one
 * run per training step with the previous run's state passed in), checked step by step against
 * that code on UCI Energy in float32 (scripts/lbfgs-jax-crosscheck.py), quirks kept:
 * - a run given no loss and gradient (state.last null) evaluates x0 and counts it (the optimiser
 *   fills state.last before its first run instead, uncounted, as the paper's WrappedLBFGS.init
 *   did); later runs start from the previous run's final loss and gradient without evaluating
 *   (x0 must be that run's final iterate);
 * - with precision 'float32' the run's scalars (rho, gamma, the two-loop coefficients, the
 *   tolerance tests) are rounded to float32 as JAX computed them; the vectors are float32 when the
 *   space is (Float32LbfgsSpace, the optimiser's choice for this mode);
 * - the two-loop recursion uses the newest min(k, historySize) pairs where k is this run's
 *   iteration counter, which restarts at 0 every run: each run's first direction is -gamma g,
 *   and the pairs of earlier runs are never used (only gamma carries their curvature over);
 * - the initial inverse-Hessian scale: gamma = 1 before the first pair ever (so the very first
 *   direction is -g, tried at step 1), afterwards gamma = y.s / y.y of the newest pair;
 * - at least one iteration runs, even when the gradient already meets the tolerance;
 * - the limits are tested after each iteration against the counters from before it: an iteration
 *   that starts with k = maxIterations still runs (maxIterations + 1 iterations in all), and
 *   one that starts below maxEvaluations runs its whole line search, so a run can end well past
 *   maxEvaluations (one line search may take lineSearchMaxEvaluations + 30, see line-search.ts);
 * - changeTolerance stops when f_k - f_{k+1} < tol (absolute, signed: a rise stops too);
 * - every pair is stored and gamma updated, unguarded. After a failed line search that returned
 *   the gradient at x (y = 0), rho = 1/0 and gamma = 0/0 = NaN: the run stops there (status 5,
 *   the step and its loss are kept), and the next run's first direction is NaN, so the
 *   parameters become NaN one training step later while the reported loss stays the last finite
 *   one (NaN trial losses never replace it); the paper's code does exactly this, and on UCI Energy
 *   in float32 it happens within the first 150 steps for every seed tried (at step 2 for some);
 * - the gradient test uses the infinity norm and is applied only to the new gradient.
 * compat 'exact': each run evaluates x0 afresh (the batch may have changed) and stops at once if
 * its gradient meets the tolerance; the whole history is used; while it is empty the first trial
 * step is min(1, 1/||p||) times lr (scipy's L-BFGS-B: no giant first step along -g); at most maxIterations iterations
 * and maxEvaluations evaluations (the line search gets what is left); a pair is stored (and gamma
 * updated) only when y.s > eps y.y, so H stays positive definite; a failed line search keeps the
 * best point it found (or x) and ends the run.
 */
export async function lbfgsRun<V>(
  space: LbfgsVectorSpace<V>,
  evaluate: Evaluate<V>,
  x0: V,
  state: LbfgsState<V>,
  o: LbfgsRunOptions,
  hooks: LbfgsRunHooks<V> = {},
): Promise<LbfgsRunResult<V>> {
  checkRunOptions(o);
  const reference = o.compat === 'reference';
  // the reference's scalars in float32, as JAX computed them (see ThresholdPrecision)
  const r = reference && o.precision === 'float32' ? Math.fround : (v: number) => v;
  let x = space.clone(x0);
  let evaluations = 0;
  try {
    if (!reference || state.last === null) {
      const first = hooks.evaluateStart ? await hooks.evaluateStart() : await evaluate(x);
      evaluations++;
      if (state.last) space.dispose(state.last.grad);
      state.last = first;
    }
    let f = state.last.loss;
    let g = state.last.grad;
    let iterations = 0;
    let status: LbfgsStatus = 0;
    let converged = false;
    let lineSearchFailed = false;

    const gradientTolerance = r(o.gradientTolerance);
    const changeTolerance = r(o.changeTolerance);
    if (!reference && (await space.maxAbs(g)) < gradientTolerance) {
      return { x, loss: f, iterations, evaluations, lineSearchFailed, converged: true, status };
    }
    for (;;) {
      if (!reference && (iterations >= o.maxIterations || evaluations >= o.maxEvaluations)) {
        status = iterations >= o.maxIterations ? 1 : 2;
        break;
      }
      const count = reference ? Math.min(iterations, state.history.length) : state.history.length;
      const p = await lbfgsDirection(space, state.history, g, state.gamma, count, r);
      let step: number;
      let fNew: number;
      let gNew: V;
      let lsEvaluations: number;
      try {
        if (o.lineSearch === 'strong-wolfe') {
          const budget = reference ? o.lineSearchMaxEvaluations : Math.min(o.lineSearchMaxEvaluations, o.maxEvaluations - evaluations);
          // exact mode, no curvature pair yet (p = -gamma g): first trial step at most 1/||p|| (scipy's L-BFGS-B)
          const initialStep = reference || state.history.length > 0 ? o.lr : o.lr * Math.min(1, 1 / (await space.norm(p)));
          const ls = await strongWolfeLineSearch(space, evaluate, x, p, f, g, {
            compat: o.compat,
            c1: o.c1,
            c2: o.c2,
            initialStep,
            maxEvaluations: budget,
            precision: o.precision,
          });
          ({ step, loss: fNew, grad: gNew, evaluations: lsEvaluations } = ls);
          lineSearchFailed = ls.failed;
        } else {
          step = o.lr;
          const point = space.axpy(step, p, x);
          try {
            ({ loss: fNew, grad: gNew } = await evaluate(point));
          } finally {
            space.dispose(point);
          }
          lsEvaluations = 1;
          lineSearchFailed = false;
        }
      } catch (e) {
        space.dispose(p);
        throw e;
      }

      const s = space.scale(p, step);
      space.dispose(p);
      const xNew = space.add(x, s);
      const y = space.sub(gNew, g);
      const ys = r(await space.dot(y, s));
      const yy = r(await space.dot(y, y));
      if (reference || ys > Number.EPSILON * yy) {
        state.history.push(s, y, r(1 / ys));
        state.gamma = r(ys / yy);
      } else {
        space.dispose(s);
        space.dispose(y);
      }
      const previousLoss = f;
      const countersBefore = { iterations, evaluations };
      iterations++;
      evaluations += lsEvaluations;
      hooks.onIteration?.(x, xNew, lineSearchFailed);
      space.dispose(x);
      x = xNew;
      space.dispose(g);
      f = fNew;
      g = gNew;
      state.last = { loss: f, grad: g };

      converged = (await space.maxAbs(g)) < gradientTolerance;
      if (reference) {
        // JAX's order: later rules override earlier ones; the counters are those from before the iteration
        status = 0;
        if (r(previousLoss - f) < changeTolerance) status = 4;
        if (countersBefore.evaluations >= o.maxEvaluations) status = 2;
        if (countersBefore.iterations >= o.maxIterations) status = 1;
        if (lineSearchFailed) status = 5;
        if (converged) status = 0;
        if (converged || status > 0) break;
      } else {
        if (converged) {
          status = 0;
          break;
        }
        if (lineSearchFailed) {
          status = 5;
          break;
        }
        if (previousLoss - f < changeTolerance) {
          status = 4;
          break;
        }
      }
    }
    return { x, loss: f, iterations, evaluations, lineSearchFailed, converged, status };
  } catch (e) {
    space.dispose(x);
    throw e;
  }
}

function checkRunOptions(o: LbfgsRunOptions): void {
  const positiveInts: (keyof LbfgsRunOptions)[] = ['historySize', 'maxIterations', 'maxEvaluations', 'lineSearchMaxEvaluations'];
  for (const key of positiveInts) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`L-BFGS: ${key} must be an integer of at least 1; got ${String(v)}`);
  }
  for (const key of ['gradientTolerance', 'changeTolerance'] as const) {
    if (!(o[key] >= 0)) throw new Error(`L-BFGS: ${key} must be a non-negative number; got ${o[key]}`);
  }
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`L-BFGS: lr (the first trial step) must be a positive finite number; got ${o.lr}`);
}
