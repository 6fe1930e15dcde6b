import type * as tf from '@tensorflow/tfjs-core';
import { countingEvaluations } from '../autodiff/objective.js';
import type { Optimizer, StepInfo } from './optimizer.js';
import type { Direction } from './directions/types.js';
import type { StepRule } from './rules/types.js';
import { hessianCurvature } from './rules/hessian-curvature.js';
import { dotAccumulationFor } from './series-space.js';

export interface ComposedState<D, R> {
  direction: D;
  rule: R;
}

/**
 * An optimiser as a direction and a step rule (as optax chains transforms): per step the gradient,
 * the direction with the rule's damping, then the rule's update. The rule's quadratic model uses
 * the direction's own curvature when it has one, else the Objective's Hessian-vector products.
 * Step info is the direction's and the rule's together; `hvps` adds up both, `evaluations` counts
 * the Objective's `at` calls (when there are any).
 */
export function composeOptimizer<D, R>(name: string, direction: Direction<D>, rule: StepRule<R>): Optimizer<ComposedState<D, R>> {
  return {
    name,
    init: (params) => ({ direction: direction.init(params), rule: rule.init(params) }),
    async step(given, params, state) {
      const { objective, evaluations } = countingEvaluations(given);
      const grad = objective.grad();
      let d: tf.Tensor1D | undefined;
      try {
        const found = await direction.compute({ objective, params, grad, damping: rule.damping(state.rule) }, state.direction);
        d = found.direction;
        const curvature = found.curvature ?? hessianCurvature(objective, dotAccumulationFor(params.size));
        let taken;
        try {
          taken = await rule.apply({ objective, params, grad, direction: d, curvature }, state.rule);
        } catch (e) {
          direction.dispose(found.state);
          throw e;
        }
        const info = mergeInfo(found.info, taken.info);
        if (evaluations() > 0) info.evaluations = evaluations();
        return { params: taken.params, state: { direction: found.state, rule: taken.state }, info };
      } finally {
        grad.dispose();
        d?.dispose();
      }
    },
    dispose(state) {
      direction.dispose(state.direction);
      rule.dispose(state.rule);
    },
  };
}

function mergeInfo(direction: StepInfo, rule: StepInfo): StepInfo {
  const info = { ...direction, ...rule };
  if ('hvps' in direction || 'hvps' in rule) info.hvps = (direction.hvps ?? 0) + (rule.hvps ?? 0);
  return info;
}
