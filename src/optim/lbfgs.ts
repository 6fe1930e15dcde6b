import { z } from 'zod';
import { intAtLeast, nonNegative, oneOf, positive, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';

/**
 * L-BFGS as the reference ran it (REFERENCE.md): one inner run per minibatch.
 * Not built yet: the schema lets configs list it; runs are refused.
 */
export const lbfgs = describeOptimiser({
  name: 'lbfgs',
  title: 'LBFGS',
  schema: z.strictObject({
    lr: withDefault(positive(), 1),
    historySize: withDefault(intAtLeast(1), 100),
    maxIterations: withDefault(intAtLeast(1), 20),
    maxEvaluations: withDefault(intAtLeast(1), 25),
    lineSearch: withDefault(oneOf(['strong-wolfe', 'none'] as const), 'strong-wolfe'),
    lineSearchMaxEvaluations: withDefault(intAtLeast(1), 20),
    gradientTolerance: withDefault(nonNegative(), 1e-5),
    changeTolerance: withDefault(nonNegative(), 1e-9),
  }),
  needs: { pointEvaluations: true },
  create: null,
});
