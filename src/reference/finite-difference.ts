import type { ModelDef } from '../models/zoo.js';
import { evaluateReference, type ReferenceBatch } from './interpreter.js';

/**
 * Central differences of float64 reference quantities along a direction v, with one Richardson
 * step: D(h) = (f(p + h v) - f(p - h v)) / 2h has error c h^2 + O(h^4), so (4 D(h) - D(2h)) / 3
 * has error O(h^4). In float64 with per-parameter moves of about 1e-4 the truncation error is far
 * below the rounding error (~1e-16 / 1e-4 = 1e-12 relative).
 *
 * Relu kinks and max-pool ties make the gradient jump; a step that crosses one ruins the
 * difference. The forward pass reports the first-order distance to the nearest one along v
 * (kinkMargin, in units of v); steps stay within a quarter of it, or the call fails.
 */
export interface FiniteDifferenceResult {
  /** the Richardson-extrapolated central difference */
  value: Float64Array;
  /** the step along v (the largest step taken is 2h) */
  h: number;
  kinkMargin: number;
  /** ||D(h) - R|| / ||R||: an estimate of the plain central difference's error; R's is far smaller */
  errorEstimate: number;
}

/** The default step moves no parameter by more than 1e-4. */
export function defaultStep(v: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  if (!(max > 0)) throw new Error('finite differences: the direction v is zero');
  return 1e-4 / max;
}

/** The step to use along v: the default, shrunk to stay a safe distance from any kink. */
export function chooseStep(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch, v: ArrayLike<number>, h?: number): { h: number; kinkMargin: number } {
  const kinkMargin = evaluateReference(def, params, batch, v).kinkMargin;
  // the largest step is 2h; first-order distances are trusted up to half their size
  const safe = kinkMargin / 4;
  if (h !== undefined) {
    if (!(h > 0) || !Number.isFinite(h)) throw new Error(`finite differences: step h=${h} must be a positive number`);
    if (h > safe) {
      throw new Error(
        `finite differences: step h=${h} would cross a relu kink or max-pool tie (nearest at ${kinkMargin} along v); use h <= ${safe}`,
      );
    }
    return { h, kinkMargin };
  }
  const h0 = defaultStep(v);
  const chosen = Math.min(h0, safe);
  if (chosen < h0 * 1e-6) {
    throw new Error(
      `finite differences: the point lies on (or within ${kinkMargin} along v of) a relu kink or max-pool tie, ` +
        'where the gradient is not differentiable; resample the data or parameters',
    );
  }
  return { h: chosen, kinkMargin };
}

function axpy(params: ArrayLike<number>, t: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(params.length);
  for (let i = 0; i < out.length; i++) out[i] = params[i] + t * v[i];
  return out;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Central difference with one Richardson step of a vector function of the step t. */
export function richardsonCentralDifference(f: (t: number) => Float64Array, h: number): { value: Float64Array; errorEstimate: number } {
  const p1 = f(h);
  const m1 = f(-h);
  const p2 = f(2 * h);
  const m2 = f(-2 * h);
  const value = new Float64Array(p1.length);
  const diff = new Float64Array(p1.length);
  for (let i = 0; i < value.length; i++) {
    const d1 = (p1[i] - m1[i]) / (2 * h);
    const d2 = (p2[i] - m2[i]) / (4 * h);
    value[i] = (4 * d1 - d2) / 3;
    diff[i] = d1 - value[i];
  }
  const scale = norm(value);
  return { value, errorEstimate: scale > 0 ? norm(diff) / scale : norm(diff) };
}

/**
 * Without a given h, the step shrinks (by 4, at most 8 times) while the plain central difference
 * still differs from the extrapolated one by more than this: strongly curved points (batch norm
 * over two samples) need steps far below the default; rounding only grows as ~1e-16 / h.
 */
const TARGET_ERROR_ESTIMATE = 1e-4;

/** H v by central differences of the float64 reference gradient. */
export function hvpByFiniteDifference(
  def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch, v: ArrayLike<number>, h?: number,
): FiniteDifferenceResult {
  const step = chooseStep(def, params, batch, v, h);
  const gradAt = (t: number) => evaluateReference(def, axpy(params, t, v), batch).grad;
  let r = richardsonCentralDifference(gradAt, step.h);
  for (let i = 0; h === undefined && i < 8 && r.errorEstimate > TARGET_ERROR_ESTIMATE; i++) {
    step.h /= 4;
    r = richardsonCentralDifference(gradAt, step.h);
  }
  return { ...r, ...step };
}

/** g . v by central differences of the float64 reference loss (to test the reference gradient). */
export function directionalDerivativeByFiniteDifference(
  def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch, v: ArrayLike<number>, h?: number,
): FiniteDifferenceResult {
  const step = chooseStep(def, params, batch, v, h);
  const r = richardsonCentralDifference(
    (t) => Float64Array.of(evaluateReference(def, axpy(params, t, v), batch).loss),
    step.h,
  );
  return { ...r, ...step };
}
