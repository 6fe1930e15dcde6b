import { z } from 'zod';
import { nonNegative, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { hessianSeriesDirection, SERIES_FIELDS } from './directions/series.js';
import { fixedRule } from './rules/fixed.js';

/**
 * "Ours" (Algorithm 1 with heavy-ball momentum, as run): the series direction
 * Delta_t ~ (|H| + damping I)^{-1} g with a fixed learning rate and momentum,
 * u_t = lr Delta_t + momentum u_{t-1}, w <- w - u_t. 2(K-1) Hessian-vector products per step.
 */
export const ours = describeOptimiser({
  ...catalogued('ours'),
  schema: z.strictObject({
    lr: positive(),
    momentum: withDefault(unitInterval(), 0),
    damping: withDefault(nonNegative(), 0),
    ...SERIES_FIELDS,
  }),
  needs: {},
  create: (hp) => composeOptimizer('ours', hessianSeriesDirection(hp), fixedRule({ lr: hp.lr, momentum: hp.momentum, damping: hp.damping })),
});
