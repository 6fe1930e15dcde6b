import { z } from 'zod';
import { intAtLeast, nonNegative, oneOf, positive, withDefault } from '../../config/fields.js';

/** L-BFGS's hyperparameters (the config's `lbfgs` entry); defaults as the reference ran it. */
export const LBFGS_SCHEMA = z.strictObject({
  lr: withDefault(positive(), 1),
  historySize: withDefault(intAtLeast(1), 100),
  maxIterations: withDefault(intAtLeast(1), 20),
  maxEvaluations: withDefault(intAtLeast(1), 25),
  lineSearch: withDefault(oneOf(['strong-wolfe', 'none'] as const), 'strong-wolfe'),
  lineSearchMaxEvaluations: withDefault(intAtLeast(1), 20),
  gradientTolerance: withDefault(nonNegative(), 1e-5),
  /** the reference's ftol: a run stops when the loss falls by less than this (float64 machine epsilon x 1e7) */
  changeTolerance: withDefault(nonNegative(), 2.220446049250313e-9),
  compat: withDefault(oneOf(['reference', 'exact'] as const), 'exact'),
});

export type LbfgsHyperparameters = z.output<typeof LBFGS_SCHEMA>;
