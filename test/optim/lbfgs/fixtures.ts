/**
 * Float64 test functions for the L-BFGS tests, with an evaluation log: every evaluated point with
 * its loss and gradient, so the tests can check the accepted steps from their own records.
 */
import { REFERENCE_LBFGS_OPTIONS, type LbfgsRunOptions } from '../../../src/optim/lbfgs/lbfgs-run.js';

export interface Evaluation {
  x: Float64Array;
  loss: number;
  grad: Float64Array;
}

export type Fn = (x: Float64Array) => { loss: number; grad: Float64Array };

/** an evaluate function that records every call */
export function logged(fn: Fn): { evaluate: (x: Float64Array) => Promise<{ loss: number; grad: Float64Array }>; log: Evaluation[] } {
  const log: Evaluation[] = [];
  return {
    log,
    evaluate: async (x) => {
      const r = fn(x);
      log.push({ x: Float64Array.from(x), loss: r.loss, grad: Float64Array.from(r.grad) });
      // the caller owns (and may mutate) what it receives
      return { loss: r.loss, grad: Float64Array.from(r.grad) };
    },
  };
}

/** the evaluation recorded at exactly this point (the run evaluates each iterate it accepts) */
export function recorded(log: readonly Evaluation[], x: Float64Array): Evaluation {
  const hit = log.find((e) => e.x.length === x.length && e.x.every((v, i) => v === x[i]));
  if (!hit) throw new Error(`no evaluation recorded at [${Array.from(x).join(', ')}]`);
  return hit;
}

/** 2-D Rosenbrock function, minimum 0 at (1, 1) */
export const rosenbrock: Fn = (x) => {
  const [a, b] = x;
  return {
    loss: 100 * (b - a * a) ** 2 + (1 - a) ** 2,
    grad: Float64Array.of(-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)),
  };
};

/**
 * A 1-D quartic built so that, from x = 0 (gradient 1, first direction -1), the unit step
 * overshoots: phi(t) = f(-t) has phi(0) = 0, phi'(0) = -1, phi(1) = -0.5 (sufficient decrease) and
 * phi'(1) = 1 (too steep for c2 = 0.9), and the zoom's first (quadratic) trial t = 2/3 has
 * phi = 0 >= phi(1). phi(t) = -t + 11.5 t^2 - 23 t^3 + 12 t^4.
 */
export const overshoot: Fn = (x) => {
  const t = -x[0];
  return {
    loss: -t + 11.5 * t ** 2 - 23 * t ** 3 + 12 * t ** 4,
    grad: Float64Array.of(-(-1 + 23 * t - 69 * t ** 2 + 48 * t ** 3)),
  };
};

/** the paper's settings with float64 thresholds, for float64 test functions */
export function float64Options(overrides: Partial<LbfgsRunOptions> = {}): LbfgsRunOptions {
  return { ...REFERENCE_LBFGS_OPTIONS, precision: 'float64', ...overrides };
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
