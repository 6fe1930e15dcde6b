import { z } from 'zod';
import { nonNegative } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { hessianSeriesDirection, SERIES_FIELDS } from './directions/series.js';
import { adaptiveRule } from './rules/adaptive.js';
import { LEVENBERG_MARQUARDT_FIELDS, levenbergMarquardtOptions } from './rules/lm-damping.js';

/**
 * "Ours (Adaptive)": the series direction d ~ (|H| + lambda I)^{-1} g with the current damping,
 * and the adaptive rule: learning rate and momentum from the quadratic model over the plane of -d
 * and the previous step (HVPs of both: one extra product on the first step, two after), lambda by
 * Levenberg-Marquardt with rho from the same batch, with the rule's two safeguards.
 *
 * compat 'reference' reproduces the published code: plain Wynn epsilon, the degenerate solve
 * (lr 1, momentum 0, no extra curvature products) and its model change -1/2 g.d in rho; the damping
 * still adapts, and every step is taken.
 */
export const oursAdaptive = describeOptimiser({
  ...catalogued('ours-adaptive'),
  schema: z.strictObject({
    /** initial damping, adapted by Levenberg-Marquardt */
    damping: nonNegative(),
    ...SERIES_FIELDS,
    ...LEVENBERG_MARQUARDT_FIELDS,
  }),
  needs: { pointEvaluations: true },
  create: (hp) => {
    const reference = hp.compat === 'reference';
    return composeOptimizer(
      'ours-adaptive',
      hessianSeriesDirection(hp),
      adaptiveRule({
        damping: hp.damping,
        lm: levenbergMarquardtOptions(hp),
        model: reference ? 'degenerate' : 'plane',
        acceptance: reference ? 'every-step' : 'safeguarded',
      }),
    );
  },
});
