import type { VectorSpace } from './vector-space.js';
import { disposeAll } from './vector-space.js';
import { dampedSeriesCoefficients, referenceSeriesCoefficients } from './coefficients.js';

/**
 * How V (the scale of H^2 inside the series) is kept above the spectrum of H^2:
 * - 'gradient-ratio' (the paper's rule): V <- max(V, ||H^2 g|| / ||g||), reusing the first term's
 *   H(Hg), so it costs no extra product;
 * - 'power-iteration': V <- max(V, safety * estimate of lambda_max(H^2)) from `powerIterations`
 *   steps of the power method on H^2 started at g (the first step is the same reused H(Hg); each
 *   further step costs two HVPs). Still an estimate from below: raise `powerSafety` above 1 for margin;
 * - 'fixed': V is never changed.
 * V only ever rises. The series converges when V > lambda_max(H^2) / 2 and every truncation is
 * positive semi-definite once V >= lambda_max(H^2).
 */
export type VRule = 'fixed' | 'gradient-ratio' | 'power-iteration';

/** the initial scale factor of the paper's experiments and of the published code */
export const DEFAULT_INITIAL_V = 100;

/** 'stable' = our float64 coefficients; 'reference' = the published float32 recursion (compat mode) */
export type CoefficientMode = 'stable' | 'reference';

export interface SeriesOptions<V = unknown> {
  /** K >= 1: number of series terms v_0 .. v_{K-1}; costs 2(K-1) HVPs */
  terms: number;
  /** N >= 0: acceleration order; the last 2N+1 partial sums are returned, so K >= 2N+1 */
  order: number;
  /** lambda >= 0: the sum converges to (|H| + lambda I)^{-1} g */
  damping: number;
  /** the current scale factor V > 0 (the optimiser keeps it between steps; DEFAULT_INITIAL_V = 100 at the start) */
  V: number;
  vRule?: VRule;
  /** steps of the power method for vRule 'power-iteration' (default 10) */
  powerIterations?: number;
  /** factor on the power-method estimate (default 1) */
  powerSafety?: number;
  coefficients?: CoefficientMode;
  /**
   * Called after each partial sum s_index is formed, with the current window (oldest first, at most
   * 2N+1 sums, the newest last). The vectors stay owned by the series: read them, do not keep or
   * dispose them. For studies of the convergence (sfn accel); the optimiser leaves it out.
   */
  onPartialSum?: (index: number, window: readonly V[]) => void | Promise<void>;
}

export interface SeriesResult<V> {
  /** the last 2N+1 partial sums, oldest first, each an approximation of (|H| + lambda I)^{-1} g; owned by the caller */
  sums: V[];
  /** index of sums[0] among all partial sums s_0 .. s_{K-1} (= K - 2N - 1) */
  firstIndex: number;
  /** the scale factor used (possibly raised): keep it for the next step */
  V: number;
  /** Hessian-vector products spent */
  hvpCount: number;
  /** the coefficients c_0 .. c_{K-1} used (without the V^{-1/2} factor) */
  coefficients: Float64Array;
}

/** checks K >= 1, N >= 0 and K >= 2N+1, with an error that says how to fix them */
export function validateSeriesShape(terms: number, order: number): void {
  if (!Number.isInteger(terms) || terms < 1) {
    throw new Error(`series length K must be an integer >= 1, got ${terms}`);
  }
  if (!Number.isInteger(order) || order < 0) {
    throw new Error(`acceleration order N must be an integer >= 0, got ${order}`);
  }
  if (terms < 2 * order + 1) {
    throw new Error(
      `series length K = ${terms} is too short for acceleration order N = ${order}: N accelerations need the last ` +
        `2N+1 = ${2 * order + 1} partial sums, so K >= 2N+1; raise K to ${2 * order + 1} or lower N to ${Math.floor((terms - 1) / 2)}`,
    );
  }
}

function validateOptions<V>(o: SeriesOptions<V>): void {
  validateSeriesShape(o.terms, o.order);
  if (!(o.damping >= 0) || !Number.isFinite(o.damping)) throw new Error(`damping must be a finite number >= 0, got ${o.damping}`);
  if (!(o.V > 0) || !Number.isFinite(o.V)) throw new Error(`the scale factor V must be a finite number > 0, got ${o.V}`);
  const p = o.powerIterations ?? 10;
  if (!Number.isInteger(p) || p < 1) throw new Error(`powerIterations must be an integer >= 1, got ${p}`);
  const safety = o.powerSafety ?? 1;
  if (!(safety > 0) || !Number.isFinite(safety)) throw new Error(`powerSafety must be a finite number > 0, got ${safety}`);
}

/**
 * Runs the damped inverse-square-root series s_m = V^{-1/2} sum_{k<=m} c_k v_k with v_0 = g and
 * v_k = v_{k-1} - H(H v_{k-1}) / V, keeping only the last 2N+1 partial sums (and the current term).
 *
 * `hvp(v)` returns H v as a fresh vector (owned here). `g` is not consumed.
 *
 * K = 1 (documented behaviour): no curvature product is taken, V stays as it is and the single
 * partial sum is c_0 g / sqrt(V): g / (sqrt(V) + lambda) with the stable coefficients (the K = 1
 * truncation of (|H| + lambda I)^{-1} g), g / sqrt(V) with the reference ones, whose loop never
 * applies the damping when it does not run: a gradient step either way.
 */
export async function runSeries<V>(
  space: VectorSpace<V>,
  g: V,
  hvp: (v: V) => V,
  options: SeriesOptions<V>,
): Promise<SeriesResult<V>> {
  validateOptions(options);
  const { terms: K, order: N, damping } = options;
  const windowSize = 2 * N + 1;
  const window: V[] = [];
  let hvpCount = 0;
  let V = options.V;
  let term: V | undefined;
  let h2g: V | undefined;
  const h2 = (v: V): V => {
    const hv = hvp(v);
    try {
      return hvp(hv);
    } finally {
      space.dispose(hv);
      hvpCount += 2;
    }
  };
  let index = 0;
  const push = async (s: V): Promise<void> => {
    window.push(s);
    if (window.length > windowSize) space.dispose(window.shift() as V);
    await options.onPartialSum?.(index++, window);
  };

  try {
    if (K > 1) {
      h2g = h2(g);
      V = await raiseV(space, g, h2g, V, options, h2);
    }
    const coefficients =
      (options.coefficients ?? 'stable') === 'reference'
        ? referenceSeriesCoefficients(K, damping, V)
        : dampedSeriesCoefficients(K, damping / Math.sqrt(V));
    const rootV = Math.sqrt(V);

    await push(space.scale(g, coefficients[0] / rootV));
    for (let k = 1; k < K; k++) {
      let next: V;
      if (k === 1) {
        next = space.axpy(-1 / V, h2g as V, g);
        space.dispose(h2g as V);
        h2g = undefined;
      } else {
        const product = h2(term as V);
        next = space.axpy(-1 / V, product, term as V);
        space.dispose(product);
        space.dispose(term as V);
      }
      term = next;
      await push(space.axpy(coefficients[k] / rootV, term, window[window.length - 1]));
    }
    if (term !== undefined) space.dispose(term);
    term = undefined;
    return { sums: window, firstIndex: K - window.length, V, hvpCount, coefficients };
  } catch (error) {
    disposeAll(space, [...window, term, h2g]);
    throw error;
  }
}

/** the V update rules; `h2g` = H(Hg) is reused (not consumed) */
async function raiseV<V>(
  space: VectorSpace<V>,
  g: V,
  h2g: V,
  V: number,
  options: SeriesOptions<V>,
  h2: (v: V) => V,
): Promise<number> {
  const rule = options.vRule ?? 'gradient-ratio';
  if (rule === 'fixed') return V;
  const gNorm = await space.norm(g);
  let estimate = (await space.norm(h2g)) / gNorm;
  if (rule === 'power-iteration') {
    const iterations = options.powerIterations ?? 10;
    let y = space.scale(h2g, 1 / gNorm); // H^2 x for x = g / ||g||
    try {
      for (let i = 1; i < iterations && Number.isFinite(estimate) && estimate > 0; i++) {
        const x = space.scale(y, 1 / estimate);
        space.dispose(y);
        try {
          y = h2(x);
        } finally {
          space.dispose(x);
        }
        estimate = await space.norm(y); // ||H^2 x|| with ||x|| = 1
      }
    } finally {
      space.dispose(y);
    }
    estimate *= options.powerSafety ?? 1;
  }
  // a zero gradient or non-finite curvature carries no information about the spectrum
  return Number.isFinite(estimate) && estimate > V ? estimate : V;
}
