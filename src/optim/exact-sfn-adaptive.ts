import { z } from 'zod';
import { nonNegative, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { EXACT_EIGEN_MAX_PARAMETERS, exactEigenDirection } from './directions/exact-eigen.js';
import { adaptiveRule } from './rules/adaptive.js';
import { LEVENBERG_MARQUARDT_FIELDS, levenbergMarquardtOptions } from './rules/lm-damping.js';

/**
 * "Exact SFN (Adaptive)", as the reference ran it: an EMA of the Hessian (decay 0.95; the first
 * step stores H itself), the preconditioner (|lambda| + damping)^{-1} of the EMA; learning rate and
 * momentum from the exact 2x2 quadratic model with C = |H| + damping I of this step's own Hessian;
 * Levenberg-Marquardt damping from the same batch's new loss; every step taken (no undo).
 */
export const exactSfnAdaptive = describeOptimiser({
  ...catalogued('exact-sfn-adaptive'),
  schema: z.strictObject({
    /** initial damping, adapted by Levenberg-Marquardt */
    damping: nonNegative(),
    hessianEma: withDefault(unitInterval(), 0.95),
    ...LEVENBERG_MARQUARDT_FIELDS,
  }),
  needs: { hessian: { maxParameters: EXACT_EIGEN_MAX_PARAMETERS }, pointEvaluations: true },
  create: (hp) =>
    composeOptimizer(
      'exact-sfn-adaptive',
      exactEigenDirection({ hessianEma: hp.hessianEma, curvature: true }),
      adaptiveRule({ damping: hp.damping, lm: levenbergMarquardtOptions(hp), model: 'plane', acceptance: 'every-step' }),
    ),
});
