import type { ModelDef } from '../models/zoo.js';
import { parameterCount } from '../models/spec.js';
import { evaluateReference, type ReferenceBatch } from './interpreter.js';
import { hvpByFiniteDifference } from './finite-difference.js';

/**
 * The independent float64 reference: a plain-TypeScript interpreter of ModelSpec (no tfjs),
 * used to prove the tfjs curvature engine. See interpreter.ts for the maths.
 */
export { evaluateReference, type ReferenceBatch, type ReferenceEvaluation } from './interpreter.js';
export {
  chooseStep, defaultStep, directionalDerivativeByFiniteDifference, hvpByFiniteDifference,
  type FiniteDifferenceResult,
} from './finite-difference.js';

export function referenceLoss(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch): number {
  return evaluateReference(def, params, batch).loss;
}

export function referenceGrad(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch): Float64Array {
  return evaluateReference(def, params, batch).grad;
}

/** Exact H v by forward-over-reverse in float64. */
export function referenceHvp(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch, v: ArrayLike<number>): Float64Array {
  return evaluateReference(def, params, batch, v).hvp;
}

/**
 * H v by central differences (one Richardson step) of the float64 reference gradient. Without h,
 * the step is chosen automatically (per-parameter moves ~1e-4, shrunk to avoid relu kinks and
 * max-pool ties); a given h that would cross one is refused.
 */
export function referenceHvpFiniteDifference(
  def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch, v: ArrayLike<number>, h?: number,
): Float64Array {
  return hvpByFiniteDifference(def, params, batch, v, h).value;
}

function unit(n: number, i: number): Float64Array {
  const e = new Float64Array(n);
  e[i] = 1;
  return e;
}

/** The full Hessian (row-major n x n), column by column from finite differences of the gradient. */
export function referenceHessianFiniteDifference(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch): Float64Array {
  const n = parameterCount(def.spec);
  const h = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = hvpByFiniteDifference(def, params, batch, unit(n, j)).value;
    for (let i = 0; i < n; i++) h[i * n + j] = col[i];
  }
  return h;
}

/** The full Hessian (row-major n x n), column by column from exact forward-over-reverse products. */
export function referenceHessian(def: ModelDef, params: ArrayLike<number>, batch: ReferenceBatch): Float64Array {
  const n = parameterCount(def.spec);
  const h = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const col = evaluateReference(def, params, batch, unit(n, j)).hvp;
    for (let i = 0; i < n; i++) h[i * n + j] = col[i];
  }
  return h;
}
