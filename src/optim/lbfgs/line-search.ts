import type { VectorSpace } from '../series/index.js';

/**
 * 'reference': what the paper's code ran, JAX 0.3.14's `line_search` (jax/_src/scipy/optimize/
 * line_search.py) with its quirks kept (listed at `strongWolfeLineSearch`); 'exact': the same
 * algorithm (Nocedal & Wright, Algorithms 3.5 and 3.6) without them.
 */
export type LbfgsCompat = 'reference' | 'exact';

/**
 * The arithmetic the reference ran in (JAX picks its thresholds from the dtype): the paper ran
 * float32 (x64 never enabled), so the optimiser on float32 models uses 'float32'; tests on float64
 * functions use 'float64'.
 *   zoom interval width below which the zoom gives up: 1e-5 (float32), 1e-10 (float64);
 *   reference only: accepted step lengths below 1e-8 in magnitude are raised to sign(a) 1e-8
 *   (float32; JAX's guard against a zero step), which leaves the loss and gradient returned those
 *   of the unraised step;
 *   reference only, 'float32': every scalar of the search (slopes, the Wolfe tests' right-hand
 *   sides, trial steps, widths, the interpolations) is rounded to float32 after each operation, as
 *   JAX computed them: with float32 losses, phi(a) == phi(0) then passes the sufficient-decrease
 *   test whenever c1 a phi'(0) is below half an ulp of phi(0), as it did in the paper's runs.
 */
export type ThresholdPrecision = 'float32' | 'float64';

export interface LineSearchOptions {
  compat: LbfgsCompat;
  /** sufficient decrease: f(x + a p) <= f(x) + c1 a g.p (reference 1e-4) */
  c1: number;
  /** curvature: |g(x + a p).p| <= c2 |g.p| (reference 0.9) */
  c2: number;
  /** the first trial step length (reference 1) */
  initialStep: number;
  /**
   * reference: the most bracketing iterations (JAX's maxiter, 20), each of which may be followed by
   * a zoom of up to 30 more evaluations; exact: the most evaluations in all, zoom included
   */
  maxEvaluations: number;
  precision: ThresholdPrecision;
}

/** the zoom's own iteration limit in JAX 0.3.14 (reference mode) */
export const REFERENCE_ZOOM_ITERATIONS = 30;

export interface LineSearchResult<V> {
  /** the step length a to take (the new iterate is x + a p) */
  step: number;
  /** the loss reported for the new iterate */
  loss: number;
  /** the gradient reported for the new iterate; owned by the caller */
  grad: V;
  /** the strong-Wolfe conditions were not met (see the compat notes for what is returned then) */
  failed: boolean;
  /** loss-and-gradient evaluations made */
  evaluations: number;
}

/** loss and gradient at a point; the caller of the line search owns nothing it returns but the result */
export type Evaluate<V> = (x: V) => Promise<{ loss: number; grad: V }>;

/** one evaluated point on the line: step a, phi(a) = f(x + a p), dphi(a) = g(x + a p).p */
interface Point {
  a: number;
  phi: number;
  dphi: number;
}

interface Probe<V> extends Point {
  grad: V;
}

/** a point that may be returned: its gradient, or null for the caller's gradient at a = 0 */
interface Candidate<V> extends Point {
  grad: V | null;
}

/**
 * A line search for the strong-Wolfe conditions along p from x (loss0, grad0 the loss and gradient
 * at x, borrowed): bracketing by doubling from `initialStep`, then zoom by safeguarded cubic,
 * quadratic or bisection steps. Every scalar is a float64 number.
 *
 * compat 'reference' keeps what JAX 0.3.14 did, which the paper's L-BFGS ran:
 * - a failure is decided by the signed width a_hi - a_lo <= threshold, so a zoom entered with
 *   a_hi < a_lo (the overshoot case, where phi(a_i) decreased sufficiently but rose in slope) fails
 *   after its first evaluation, keeping that point only if it satisfied both conditions;
 * - a failed line search returns what its state holds: a = 0 with the starting loss and gradient
 *   when no zoom ran (bracketing never ended), or, from a zoom that found no point, a = 1 with the
 *   zoom's starting phi_lo and the gradient at x (JAX initialises the zoom's answer that way);
 *   L-BFGS then takes that step and stops (see lbfgs-run.ts for what this does to gamma);
 * - the interpolation safeguards use the signed width; after "hi := lo, lo := a_j" the third
 *   point of the next cubic is the old lo (the same as the new hi), not the old hi;
 * - the zoom stops after 30 evaluations, the bracketing after `maxEvaluations` iterations, so one
 *   search may evaluate up to maxEvaluations + 30 times;
 * - NaN losses compare false, as in JAX (bracketing keeps doubling past them);
 * - with 'float32' thresholds, step lengths below 1e-8 are raised to 1e-8.
 * compat 'exact': the interval width is |a_hi - a_lo|, the safeguards use it, the cubic's third
 * point is the one the bracket dropped, non-finite losses count as too far, `maxEvaluations`
 * bounds every evaluation, and a failed search returns the lowest point found that satisfies
 * sufficient decrease (a = 0, no move, when there is none).
 */
export async function strongWolfeLineSearch<V>(
  space: VectorSpace<V>,
  evaluate: Evaluate<V>,
  x: V,
  p: V,
  loss0: number,
  grad0: V,
  options: LineSearchOptions,
): Promise<LineSearchResult<V>> {
  checkOptions(options);
  const search = new Search(space, evaluate, x, p, loss0, grad0, await space.dot(grad0, p), options);
  try {
    return options.compat === 'reference' ? await search.runReference() : await search.runExact();
  } finally {
    search.release();
  }
}

class Search<V> {
  private readonly phi0: number;
  private readonly dphi0: number;
  private readonly reference: boolean;
  private readonly widthThreshold: number;
  /** reference mode in float32: each scalar operation rounded to float32, as JAX did; else exact float64 */
  private readonly r: (x: number) => number;
  evaluations = 0;
  /** gradients of evaluated points still held (at most the answer and the best point) */
  private readonly held = new Set<V>();
  private star: Candidate<V>;
  private best: Candidate<V>;

  constructor(
    private readonly space: VectorSpace<V>,
    private readonly evaluate: Evaluate<V>,
    private readonly x: V,
    private readonly p: V,
    loss0: number,
    private readonly grad0: V,
    slope0: number,
    private readonly o: LineSearchOptions,
  ) {
    this.reference = o.compat === 'reference';
    this.r = this.reference && o.precision === 'float32' ? Math.fround : (x) => x;
    this.phi0 = this.r(loss0);
    this.dphi0 = this.r(slope0);
    this.widthThreshold = this.r(o.precision === 'float32' ? 1e-5 : 1e-10);
    this.star = { a: 0, phi: this.phi0, dphi: this.dphi0, grad: null };
    this.best = this.star;
  }

  /** the negation of sufficient decrease (JAX's wolfe_one) */
  private notSufficient(q: Point): boolean {
    const r = this.r;
    return q.phi > r(this.phi0 + r(r(r(this.o.c1) * q.a) * this.dphi0));
  }

  private curvatureHolds(dphi: number): boolean {
    return Math.abs(dphi) <= this.r(this.r(-this.o.c2) * this.dphi0);
  }

  /** exact mode: points that cannot be judged (non-finite loss or slope) count as too far */
  private tooFar(q: Point): boolean {
    return this.notSufficient(q) || (!this.reference && !(Number.isFinite(q.phi) && Number.isFinite(q.dphi)));
  }

  private async probe(a: number): Promise<Probe<V>> {
    const point = this.space.axpy(a, this.p, this.x);
    let r: { loss: number; grad: V };
    try {
      r = await this.evaluate(point);
    } finally {
      this.space.dispose(point);
    }
    this.evaluations++;
    this.held.add(r.grad);
    const probe = { a, phi: this.r(r.loss), dphi: this.r(await this.space.dot(r.grad, this.p)), grad: r.grad };
    // exact mode's fallback: the lowest point with sufficient decrease
    if (!this.reference && Number.isFinite(probe.phi) && !this.notSufficient(probe) && probe.phi < this.best.phi) this.best = probe;
    return probe;
  }

  /** frees every held gradient that is neither the answer nor the fallback */
  private prune(): void {
    for (const g of this.held) {
      if (g !== this.star.grad && g !== this.best.grad) {
        this.space.dispose(g);
        this.held.delete(g);
      }
    }
  }

  /** frees whatever is still held (after the answer's gradient was handed over) */
  release(): void {
    for (const g of this.held) this.space.dispose(g);
    this.held.clear();
  }

  private answer(c: Candidate<V>, failed: boolean, step = c.a): LineSearchResult<V> {
    let grad: V;
    if (c.grad === null) grad = this.space.clone(this.grad0);
    else {
      grad = c.grad;
      this.held.delete(grad);
    }
    return { step, loss: c.phi, grad, failed, evaluations: this.evaluations };
  }

  /** JAX 0.3.14's line_search (Algorithm 3.5 with its zoom), quirks kept */
  async runReference(): Promise<LineSearchResult<V>> {
    let prev: Point = { a: 0, phi: this.phi0, dphi: this.dphi0 };
    let done = false;
    let failed = false;
    for (let i = 1; !done && i <= this.o.maxEvaluations && !failed; i++) {
      const a = i === 1 ? this.o.initialStep : 2 * prev.a;
      const cur = await this.probe(a);
      const toZoom1 = this.notSufficient(cur) || (cur.phi >= prev.phi && i > 1);
      const toStar = !toZoom1 && this.curvatureHolds(cur.dphi);
      const toZoom2 = !toZoom1 && !toStar && cur.dphi >= 0;
      if (toStar) {
        this.star = cur;
        done = true;
      } else if (toZoom1 || toZoom2) {
        const zoomFailed = await this.zoom(toZoom1 ? prev : cur, toZoom1 ? cur : prev);
        done = true;
        failed = zoomFailed;
      }
      this.prune();
      prev = { a: cur.a, phi: cur.phi, dphi: cur.dphi };
    }
    let step = this.star.a;
    // JAX's floor on tiny steps in float32 (sign(0) = 0: a zero step stays zero)
    const floor = this.r(1e-8);
    if (this.o.precision === 'float32' && Math.abs(step) < floor) step = Math.sign(step) * floor;
    return this.answer(this.star, failed || !done, step);
  }

  /** Nocedal & Wright's Algorithm 3.5: bracketing by doubling, then zoom */
  async runExact(): Promise<LineSearchResult<V>> {
    let prev: Point = { a: 0, phi: this.phi0, dphi: this.dphi0 };
    for (let i = 1; ; i++) {
      if (this.evaluations >= this.o.maxEvaluations) break;
      const a = i === 1 ? this.o.initialStep : 2 * prev.a;
      const cur = await this.probe(a);
      const toZoom1 = this.tooFar(cur) || (cur.phi >= prev.phi && i > 1);
      if (!toZoom1 && this.curvatureHolds(cur.dphi)) {
        this.star = cur;
        return this.answer(cur, false);
      }
      if (toZoom1 || cur.dphi >= 0) {
        const found = !(await this.zoom(toZoom1 ? prev : cur, toZoom1 ? cur : prev));
        if (found) return this.answer(this.star, false);
        break;
      }
      this.prune();
      prev = { a: cur.a, phi: cur.phi, dphi: cur.dphi };
    }
    this.star = this.best;
    return this.answer(this.best, true);
  }

  /**
   * Algorithm 3.6 between lo (sufficient decrease, lowest so far) and hi; sets `star` when a
   * point meets both conditions. Returns whether the zoom failed.
   */
  private async zoom(loStart: Point, hiStart: Point): Promise<boolean> {
    let lo = loStart;
    let hi = hiStart;
    const r = this.r;
    let rec: { a: number; phi: number } = { a: r(lo.a + hi.a) / 2, phi: r(lo.phi + hi.phi) / 2 };
    if (this.reference) {
      // JAX initialises the zoom's answer to a = 1 with phi_lo and the gradient at x
      this.star = { a: 1, phi: lo.phi, dphi: lo.dphi, grad: null };
    }
    let failed = false;
    for (let j = 0; ; j++) {
      const signed = r(hi.a - lo.a);
      const width = this.reference ? signed : Math.abs(signed);
      if (width <= this.widthThreshold) {
        failed = true;
        // JAX still evaluates this iteration's point; exact mode stops here
        if (!this.reference) return true;
      }
      if (!this.reference && this.evaluations >= this.o.maxEvaluations) return true;
      const left = Math.min(lo.a, hi.a);
      const right = Math.max(lo.a, hi.a);
      const cubicCheck = r(r(0.2) * width);
      const quadCheck = r(r(0.1) * width);
      const cubic = cubicMinimizer(lo.a, lo.phi, lo.dphi, hi.a, hi.phi, rec.a, rec.phi, r);
      const useCubic = j > 0 && cubic > r(left + cubicCheck) && cubic < r(right - cubicCheck);
      const quad = quadraticMinimizer(lo.a, lo.phi, lo.dphi, hi.a, hi.phi, r);
      const useQuad = !useCubic && quad > r(left + quadCheck) && quad < r(right - quadCheck);
      const aj = useCubic ? cubic : useQuad ? quad : r(lo.a + hi.a) / 2;

      const cur = await this.probe(aj);
      const point: Point = { a: cur.a, phi: cur.phi, dphi: cur.dphi };
      const hiToJ = this.tooFar(cur) || cur.phi >= lo.phi;
      const starToJ = !hiToJ && this.curvatureHolds(cur.dphi);
      if (starToJ) {
        this.star = cur;
        this.prune();
        return failed;
      }
      if (hiToJ) {
        rec = hi;
        hi = point;
      } else {
        const hiToLo = cur.dphi * (hi.a - lo.a) >= 0;
        if (hiToLo) {
          rec = hi;
          hi = lo;
        }
        // JAX 0.3.14 then sets rec to the old lo in both cases; the maths keeps the dropped hi
        if (this.reference || !hiToLo) rec = lo;
        lo = point;
      }
      this.prune();
      if (failed) return true;
      if (this.reference && j + 1 >= REFERENCE_ZOOM_ITERATIONS) return true;
    }
  }
}

const exact = (x: number): number => x;

/**
 * The minimiser of the cubic through (a, fa) with slope fpa there and through (b, fb), (c, fc);
 * NaN when it has none (the callers' bounds checks then reject it). `r` rounds after each
 * operation (Math.fround: JAX's float32 evaluation, operation by operation; default exact).
 */
export function cubicMinimizer(a: number, fa: number, fpa: number, b: number, fb: number, c: number, fc: number, r = exact): number {
  const C = fpa;
  const db = r(b - a);
  const dc = r(c - a);
  const dbdc = r(db * dc);
  const denom = r(r(dbdc * dbdc) * r(db - dc));
  const db2 = r(db * db);
  const dc2 = r(dc * dc);
  const rb = r(r(fb - fa) - r(C * db));
  const rc = r(r(fc - fa) - r(C * dc));
  const A = r(r(r(dc2 * rb) - r(db2 * rc)) / denom);
  const B = r(r(r(-r(dc2 * dc) * rb) + r(r(db2 * db) * rc)) / denom);
  const radical = r(r(B * B) - r(r(3 * A) * C));
  return r(a + r(r(-B + r(Math.sqrt(radical))) / r(3 * A)));
}

/** the minimiser of the quadratic through (a, fa) with slope fpa there and through (b, fb); `r` as above */
export function quadraticMinimizer(a: number, fa: number, fpa: number, b: number, fb: number, r = exact): number {
  const db = r(b - a);
  const B = r(r(r(fb - fa) - r(fpa * db)) / r(db * db));
  return r(a - r(fpa / r(2 * B)));
}

function checkOptions(o: LineSearchOptions): void {
  if (!(o.c1 > 0 && o.c1 < o.c2 && o.c2 < 1)) {
    throw new Error(`line search: need 0 < c1 < c2 < 1 for the strong-Wolfe conditions; got c1 ${o.c1}, c2 ${o.c2}`);
  }
  if (!(o.initialStep > 0) || !Number.isFinite(o.initialStep)) {
    throw new Error(`line search: the first trial step must be a positive finite number; got ${o.initialStep}`);
  }
  if (!Number.isInteger(o.maxEvaluations) || o.maxEvaluations < 1) {
    throw new Error(`line search: maxEvaluations must be an integer of at least 1; got ${o.maxEvaluations}`);
  }
}
