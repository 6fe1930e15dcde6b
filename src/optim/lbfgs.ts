import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { LBFGS_SCHEMA } from './lbfgs/hyperparameters.js';
import { checkLbfgsModelSize, lbfgs as lbfgsOptimizer } from './lbfgs/optimizer.js';

/**
 * L-BFGS as the reference ran it (REFERENCE.md; src/optim/lbfgs/): each training step is one inner
 * run on that step's batch (at most maxIterations iterations and maxEvaluations evaluations,
 * strong-Wolfe line search), iterate, history and gamma carrying over. `compat: reference` keeps
 * the published code's rules (lbfgs-run.ts lists them, including its unguarded failed line search);
 * `exact` the same method without them. The step's logged training loss is the run's final loss on
 * the batch, as the paper logged it.
 */
export const lbfgs = describeOptimiser({
  ...catalogued('lbfgs'),
  schema: LBFGS_SCHEMA,
  needs: { pointEvaluations: true },
  create: (hp) => lbfgsOptimizer(hp, { compat: hp.compat }),
  modelProblem: (hp, parameterCount) => {
    try {
      checkLbfgsModelSize(parameterCount, hp, hp.compat);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
});
