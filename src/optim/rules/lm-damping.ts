import { anyNumber, nonNegative, openUnitInterval, withDefault } from '../../config/fields.js';

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
  /**
   * adapt every `period` steps (kfac-jax's damping_adaptation_interval; 1, every step, as run):
   * at steps t with (t + 1) % period = 0, by decay^period; absent: 1
   */
  period?: number;
}

/** whether the damping adapts after step t (0-based), as kfac-jax's should_update_damping */
export function adaptsAt(step: number, o: Pick<LevenbergMarquardtOptions, 'period'>): boolean {
  return (step + 1) % (o.period ?? 1) === 0;
}

/** The hyperparameters of the adaptation, with the values the reference code ran. */
export const LEVENBERG_MARQUARDT_FIELDS = {
  dampingDecay: withDefault(openUnitInterval(), 0.9),
  minDamping: withDefault(nonNegative(), 1e-8),
  rhoLow: withDefault(anyNumber(), 0.25),
  rhoHigh: withDefault(anyNumber(), 0.75),
};

/** the options from validated hyperparameters holding LEVENBERG_MARQUARDT_FIELDS */
export function levenbergMarquardtOptions(hp: { dampingDecay: number; minDamping: number; rhoLow: number; rhoHigh: number }): LevenbergMarquardtOptions {
  return { decay: hp.dampingDecay, minDamping: hp.minDamping, rhoLow: hp.rhoLow, rhoHigh: hp.rhoHigh };
}

export function reductionRatio(lossBefore: number, lossAfter: number, predictedChange: number): number {
  return (lossAfter - lossBefore) / predictedChange;
}

export function adaptDamping(damping: number, rho: number, o: LevenbergMarquardtOptions): number {
  const decay = decayFactor(o);
  let next = damping;
  if (rho > o.rhoHigh) next = damping * decay;
  else if (rho < o.rhoLow) next = damping / decay;
  return Math.max(next, o.minDamping);
}

/** the factor of one adaptation: decay^period (kfac-jax's damping_decay_factor) */
function decayFactor(o: LevenbergMarquardtOptions): number {
  const period = o.period ?? 1;
  return period === 1 ? o.decay : o.decay ** period;
}

/**
 * Relative size of a loss change that float32 evaluation cannot resolve (about 64 float32 ulps):
 * summing a batch's losses in float32 rounds at roughly this level.
 */
export const LOSS_RESOLUTION = 2 ** -17;

export interface SafeguardedDecision {
  rho: number;
  /** the damping for the next step */
  damping: number;
  /** whether the step is taken */
  accepted: boolean;
  /** false when both the actual and the predicted change are below the loss's float32 resolution (then the damping falls) */
  informative: boolean;
}

/**
 * The Levenberg-Marquardt rule with two safeguards for the exact mode of `ours-adaptive` (the
 * published code has neither):
 * - a step is refused when it raised the batch loss by more than the decrease the model promised
 *   (rho < -1; or the new loss is not finite). With the real, indefinite Hessian and little
 *   damping the model's minimiser can lie far outside the region where the model holds; one such
 *   step would wreck the run (and V, which never falls). Smaller misses, as at ReLU kinks, are
 *   taken and only raise the damping, so the run does not stall on a string of refusals.
 * - when both changes are below the loss's float32 resolution rho is rounding noise and the step
 *   too small for the model to be judged: the damping falls as for a good step (widening the trust
 *   region until steps are measurable). Left to the noisy rho it random-walks upwards once training
 *   has converged, until the steps are too small ever to be judged again.
 */
export function safeguardedDamping(
  lossBefore: number,
  lossAfter: number,
  predictedChange: number,
  damping: number,
  o: LevenbergMarquardtOptions,
): SafeguardedDecision {
  // a non-finite loss after the step is the worst outcome, whatever the model predicted
  const rho = Number.isFinite(lossAfter) ? reductionRatio(lossBefore, lossAfter, predictedChange) : Number.NEGATIVE_INFINITY;
  const change = lossAfter - lossBefore;
  const noise = LOSS_RESOLUTION * Math.abs(lossBefore);
  const informative = !(Math.abs(change) <= noise && Math.abs(predictedChange) <= noise);
  const accepted = change <= Math.max(Math.abs(predictedChange), noise);
  const next = informative ? adaptDamping(damping, rho, o) : Math.max(damping * decayFactor(o), o.minDamping);
  return { rho, damping: next, accepted, informative };
}
