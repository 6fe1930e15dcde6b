import * as tf from '@tensorflow/tfjs-core';
import type { Hyperparameters } from '../config/hyperparameters.js';
import type { Objective } from '../autodiff/objective.js';
import type { Optimizer, StepInfo, StepResult } from './optimizer.js';
import { seriesDirection } from './series/index.js';
import { checkSeriesHyperparameters, seriesOptionsFor } from './ours-series.js';
import { dotAccumulationFor, dotProducts, seriesVectorSpace } from './series-space.js';
import { referenceQuadraticModel, solveQuadraticModel, type QuadraticModelStep } from './quadratic-model.js';
import { adaptDamping, reductionRatio, safeguardedDamping } from './lm-damping.js';

export interface OursAdaptiveState {
  /** the series scale factor V (float64; starts at V0, only rises) */
  V: number;
  /** lambda, adapted by Levenberg-Marquardt after every step (float64) */
  damping: number;
  /** p = w_t - w_{t-1}, the previous step; null before the first step and in compat mode (momentum is always 0 there) */
  previousStep: tf.Tensor1D | null;
}

/**
 * "Ours (Adaptive)": the series direction d ~ (|H| + lambda I)^{-1} g with the current damping,
 * learning rate and momentum from the quadratic model over the plane of -d and the previous step
 * (quadratic-model.ts; HVPs of d and of the previous step: one extra product on the first step, two
 * after), w_new = w - lr d + momentum p, and lambda adapted by Levenberg-Marquardt with rho from the
 * same batch (one extra forward pass, Objective.lossAt), with two safeguards (lm-damping.ts,
 * safeguardedDamping): a step that raised the batch loss by more than the model's predicted decrease
 * is not taken (info.accepted = 0), and rho below the loss's float32 resolution counts as a good
 * step (the damping falls by the decay factor): the model cannot be judged, so the trust region widens.
 *
 * compat 'reference' reproduces the published code: plain Wynn epsilon, the degenerate solve
 * (lr 1, momentum 0, no extra curvature products) and its model change -1/2 g.d in rho; the damping
 * still adapts, and every step is taken.
 */
export function oursAdaptive(hp: Hyperparameters['ours-adaptive']): Optimizer<OursAdaptiveState> {
  checkSeriesHyperparameters(hp);
  const reference = hp.compat === 'reference';
  const lm = { decay: hp.dampingDecay, minDamping: hp.minDamping, rhoLow: hp.rhoLow, rhoHigh: hp.rhoHigh };
  return {
    name: 'ours-adaptive',
    init: () => ({ V: hp.V0, damping: hp.damping, previousStep: null }),
    async step(objective, params, state): Promise<StepResult<OursAdaptiveState>> {
      const lossAt = objective.lossAt?.bind(objective);
      if (lossAt === undefined) {
        throw new Error(
          "ours-adaptive needs the loss of the step's batch at the updated parameters (Objective.lossAt) " +
            "for Levenberg-Marquardt's rho; this Objective does not provide it (modelObjective does)",
        );
      }
      const mode = dotAccumulationFor(params.size);
      const space = seriesVectorSpace(params.size);
      const { loss, grad: g } = objective.lossAndGrad();
      let direction: tf.Tensor1D | undefined;
      let step: tf.Tensor1D | undefined;
      let next: tf.Tensor1D | undefined;
      try {
        const lossBefore = loss.dataSync()[0];
        const series = seriesDirection(space, g, (v) => objective.hvp(v), seriesOptionsFor(hp, state.damping, state.V));
        direction = series.direction;
        const d = direction;

        let model: QuadraticModelStep;
        let extraHvps = 0;
        const info: StepInfo = {};
        if (reference) {
          model = referenceQuadraticModel(dotProducts([[g, d]], mode)[0]);
        } else {
          const solved = planeModel(objective, g, d, state.previousStep, state.damping, mode);
          model = solved.model;
          extraHvps = solved.hvps;
          info.modelSolve = solved.model.solve;
        }

        const { lr, momentum } = model;
        const p = state.previousStep;
        step = tf.tidy(() => {
          const s = tf.mul(d, tf.scalar(-lr, 'float32'));
          return (p === null || momentum === 0 ? s : tf.add(s, tf.mul(p, tf.scalar(momentum, 'float32')))) as tf.Tensor1D;
        });
        next = tf.add(params, step) as tf.Tensor1D;
        const lossAfter = readScalar(lossAt(next));
        let rho: number;
        let damping: number;
        let accepted: boolean;
        if (reference) {
          // the published rule: every step is taken
          rho = reductionRatio(lossBefore, lossAfter, model.predictedChange);
          damping = adaptDamping(state.damping, rho, lm);
          accepted = true;
        } else {
          const decision = safeguardedDamping(lossBefore, lossAfter, model.predictedChange, state.damping, lm);
          ({ rho, damping, accepted } = decision);
          info.accepted = accepted ? 1 : 0;
        }
        let newParams: tf.Tensor1D;
        let previousStep: tf.Tensor1D | null;
        if (accepted) {
          // the step consumes the state it was given
          state.previousStep?.dispose();
          newParams = next;
          previousStep = reference ? null : step;
          if (previousStep === null) step.dispose();
        } else {
          // w stays; its previous step is still the last one taken
          tf.dispose([next, step]);
          newParams = tf.clone(params);
          previousStep = state.previousStep;
        }
        const result: StepResult<OursAdaptiveState> = {
          params: newParams,
          state: { V: series.V, damping, previousStep },
          info: {
            V: series.V,
            damping: state.damping,
            rho,
            lr,
            momentum,
            hvps: series.hvpCount + extraHvps,
            fallbacks: series.fallbacks,
            lossChange: lossAfter - lossBefore,
            predictedChange: model.predictedChange,
            ...info,
          },
        };
        step = undefined;
        next = undefined;
        return result;
      } finally {
        tf.dispose([loss, g]);
        direction?.dispose();
        if (step !== undefined) step.dispose();
        if (next !== undefined) next.dispose();
      }
    },
    dispose: (state) => state.previousStep?.dispose(),
  };
}

/** the 2x2 model with real curvature products of d and of the previous step p */
function planeModel(
  objective: Objective,
  g: tf.Tensor1D,
  d: tf.Tensor1D,
  p: tf.Tensor1D | null,
  damping: number,
  mode: ReturnType<typeof dotAccumulationFor>,
): { model: ReturnType<typeof solveQuadraticModel>; hvps: number } {
  if (p === null) {
    const hd = objective.hvp(d);
    try {
      const [gd, dHd, dd] = dotProducts([[g, d], [d, hd], [d, d]], mode);
      return { model: solveQuadraticModel({ gd, dHd, dd, damping }), hvps: 1 };
    } finally {
      hd.dispose();
    }
  }
  // both products in one batched R-pass
  const [hd, hp] = tf.tidy(() => {
    const products = objective.hvpBatch(tf.stack([d, p]) as tf.Tensor2D);
    return tf.unstack(products) as tf.Tensor1D[];
  });
  try {
    const [gd, dHd, dd, gp, pHp, pp, dHp, pHd, dp] = dotProducts(
      [[g, d], [d, hd], [d, d], [g, p], [p, hp], [p, p], [d, hp], [p, hd], [d, p]],
      mode,
    );
    const previous = { gp, pHp, pp, dHp: 0.5 * (dHp + pHd), dp };
    return { model: solveQuadraticModel({ gd, dHd, dd, damping, previous }), hvps: 2 };
  } finally {
    tf.dispose([hd, hp]);
  }
}

/** the value of a scalar tensor as a float64 number; the tensor is freed */
function readScalar(t: tf.Scalar): number {
  try {
    return t.dataSync()[0];
  } finally {
    t.dispose();
  }
}
