/**
 * Levenberg-Marquardt damping adaptation (paper Appendix A.4, eq. 8; KFAC's rule, as the reference
 * code runs it). rho compares the actual loss change on the step's batch with the change the
 * quadratic model predicted:
 *
 *   rho = (L(w_new) - L(w)) / (M(step) - L(w)),
 *
 * lambda <- lambda * decay if rho > rhoHigh (the model is trustworthy: widen the trust region),
 * lambda <- lambda / decay if rho < rhoLow (it is not: damp more), else unchanged; then floored at
 * minDamping. A NaN rho (0 / 0) leaves lambda unchanged, as the comparisons do in the reference;
 * an infinite loss after the step gives rho = -Inf (for a predicted decrease), so lambda rises.
 */
export interface LevenbergMarquardtOptions {
  /** in (0, 1), 0.9 as run */
  decay: number;
  /** 1e-8 as run */
  minDamping: number;
  /** 1/4 */
  rhoLow: number;
  /** 3/4 */
  rhoHigh: number;
}

export function reductionRatio(lossBefore: number, lossAfter: number, predictedChange: number): number {
  return (lossAfter - lossBefore) / predictedChange;
}

export function adaptDamping(damping: number, rho: number, o: LevenbergMarquardtOptions): number {
  let next = damping;
  if (rho > o.rhoHigh) next = damping * o.decay;
  else if (rho < o.rhoLow) next = damping / o.decay;
  return Math.max(next, o.minDamping);
}
