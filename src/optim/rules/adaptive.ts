import * as tf from '@tensorflow/tfjs-core';
import type { StepInfo } from '../optimizer.js';
import type { DotAccumulation } from '../series/index.js';
import { dotAccumulationFor, dotProducts } from '../series-space.js';
import { referenceQuadraticModel, solveQuadraticModel, type QuadraticModelStep } from './quadratic-model.js';
import { adaptDamping, adaptsAt, reductionRatio, safeguardedDamping, type LevenbergMarquardtOptions } from './lm-damping.js';
import type { CurvatureModel, StepRule } from './types.js';

export interface AdaptiveRuleOptions {
  /** the initial damping lambda */
  damping: number;
  lm: LevenbergMarquardtOptions;
  /**
   * 'plane': learning rate and momentum minimise the quadratic model over the plane of -d and the
   * previous step, with C = K + lambda I from the direction's curvature model (quadratic-model.ts);
   * 'degenerate': what the published `ours-adaptive` computes (lr 1, momentum 0, model change
   * -1/2 g.d; no curvature products, no previous step kept).
   */
  model: 'plane' | 'degenerate';
  /**
   * 'every-step': the published rule, every step is taken and lambda adapts from rho;
   * 'safeguarded': lm-damping.ts's safeguardedDamping (a step that rose by more than the model's
   * promised fall is refused; rho below the loss's float32 resolution widens the trust region).
   */
  acceptance: 'every-step' | 'safeguarded';
  /**
   * The predicted change rho divides by: 'damped' (default) from C = K + lambda I, as the series and
   * exact SFN run it; 'undamped' from K alone while the step still solves the damped model
   * (kfac-jax's include_damping_in_quad_change=False, its default and the paper's KFAC runs).
   */
  modelChange?: 'damped' | 'undamped';
}

export interface AdaptiveRuleState {
  /** lambda, adapted by Levenberg-Marquardt after every step (float64) */
  damping: number;
  /** p = w_t - w_{t-1}, the previous step taken; null before the first and under the 'degenerate' model */
  previousStep: tf.Tensor1D | null;
  /** the number of steps made (the damping adapts after steps t with (t + 1) % period = 0) */
  step: number;
}

/**
 * The adaptive step rule (paper Appendix A.4; KFAC's rule): learning rate and momentum from the
 * local quadratic model, w_new = w - lr d + momentum p, then lambda adapted by Levenberg-Marquardt
 * with rho from the loss of the same batch at w_new (one evaluation, Objective.at; with an
 * adaptation period above 1 only at the steps that adapt, unless the safeguard needs it). The
 * curvature comes from the direction (its CurvatureModel: H v, |H| from an eigendecomposition, the
 * Fisher), so series, exact SFN and KFAC share this rule. Every scalar is float64.
 */
export function adaptiveRule(o: AdaptiveRuleOptions): StepRule<AdaptiveRuleState> {
  const keepsPrevious = o.model === 'plane';
  return {
    init: () => ({ damping: o.damping, previousStep: null, step: 0 }),
    damping: (state) => state.damping,
    async apply({ objective, params, grad: g, direction: d, curvature }, state) {
      const mode = dotAccumulationFor(params.size);
      let step: tf.Tensor1D | undefined;
      let next: tf.Tensor1D | undefined;
      try {
        const lossBefore = await readScalar(objective.loss());
        let model: QuadraticModelStep;
        let hvps = 0;
        const info: StepInfo = {};
        if (o.model === 'degenerate') {
          model = referenceQuadraticModel((await dotProducts([[g, d]], mode))[0]);
        } else {
          const solved = await planeModel(g, d, state.previousStep, state.damping, curvature, mode, o.modelChange !== 'undamped');
          model = solved.model;
          hvps = solved.hvps;
          if (solved.gaussNewtonProducts !== undefined) info.gaussNewtonProducts = solved.gaussNewtonProducts;
          info.modelSolve = solved.model.solve;
        }

        const { lr, momentum } = model;
        const p = state.previousStep;
        step = tf.tidy(() => {
          const s = tf.mul(d, tf.scalar(-lr, 'float32'));
          return (p === null || momentum === 0 ? s : tf.add(s, tf.mul(p, tf.scalar(momentum, 'float32')))) as tf.Tensor1D;
        });
        next = tf.add(params, step) as tf.Tensor1D;
        const adapting = adaptsAt(state.step, o.lm);
        let damping = state.damping;
        let accepted = true;
        if (adapting || o.acceptance === 'safeguarded') {
          const after = objective.at(next);
          after.grad.dispose();
          const lossAfter = await readScalar(after.loss);
          info.lossChange = lossAfter - lossBefore;
          if (o.acceptance === 'every-step') {
            info.rho = reductionRatio(lossBefore, lossAfter, model.predictedChange);
            damping = adaptDamping(state.damping, info.rho, o.lm);
          } else {
            const decision = safeguardedDamping(lossBefore, lossAfter, model.predictedChange, state.damping, o.lm);
            accepted = decision.accepted;
            info.accepted = accepted ? 1 : 0;
            info.rho = decision.rho;
            if (adapting) damping = decision.damping;
          }
        }
        let newParams: tf.Tensor1D;
        let previousStep: tf.Tensor1D | null;
        if (accepted) {
          // the step consumes the state it was given
          state.previousStep?.dispose();
          newParams = next;
          previousStep = keepsPrevious ? step : null;
          if (previousStep === null) step.dispose();
        } else {
          // w stays; its previous step is still the last one taken
          tf.dispose([next, step]);
          newParams = tf.clone(params);
          previousStep = state.previousStep;
        }
        step = undefined;
        next = undefined;
        return {
          params: newParams,
          state: { damping, previousStep, step: state.step + 1 },
          info: { damping: state.damping, lr, momentum, hvps, predictedChange: model.predictedChange, ...info },
        };
      } finally {
        if (step !== undefined) step.dispose();
        if (next !== undefined) next.dispose();
      }
    },
    dispose: (state) => state.previousStep?.dispose(),
  };
}

/**
 * The 2x2 model over the plane of -d and the previous step p, with C = K + lambda I: K's Gram
 * matrix from the curvature model (one product on the first step, two after), lambda's part
 * (lambda D, D = V^T V) added here unless K already holds it.
 */
async function planeModel(
  g: tf.Tensor1D,
  d: tf.Tensor1D,
  p: tf.Tensor1D | null,
  damping: number,
  curvature: CurvatureModel,
  mode: DotAccumulation,
  dampingInChange: boolean,
): Promise<{ model: ReturnType<typeof solveQuadraticModel>; hvps: number; gaussNewtonProducts?: number }> {
  const lambda = curvature.includesDamping ? 0 : damping;
  if (p === null) {
    const [gd, dd] = await dotProducts([[g, d], [d, d]], mode);
    const { gram, ...cost } = await curvature.gram([d]);
    return { model: solveQuadraticModel({ gd, dHd: gram[0][0], dd, damping: lambda, dampingInChange }), ...cost };
  }
  const [gd, dd, gp, pp, dp] = await dotProducts([[g, d], [d, d], [g, p], [p, p], [d, p]], mode);
  const { gram, ...cost } = await curvature.gram([d, p]);
  const previous = { gp, pHp: gram[1][1], pp, dHp: gram[0][1], dp };
  return { model: solveQuadraticModel({ gd, dHd: gram[0][0], dd, damping: lambda, previous, dampingInChange }), ...cost };
}

/** the value of a scalar tensor as a float64 number, read asynchronously (webgpu); the tensor is freed */
export async function readScalar(t: tf.Scalar): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}
