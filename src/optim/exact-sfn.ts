import { z } from 'zod';
import { nonNegative, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { EXACT_EIGEN_MAX_PARAMETERS, exactEigenDirection } from './directions/exact-eigen.js';
import { fixedRule } from './rules/fixed.js';

/**
 * "Exact SFN", as the reference ran it (SelectiveNewtonSGD): the full Hessian of the minibatch
 * loss, its eigendecomposition in float64, |lambda| with values at or below `threshold` replaced by
 * 1 / smallEigLr, u = V diag(1 / lambda~) V^T g, and a fixed learning rate with heavy-ball momentum,
 * Delta = lr u + momentum Delta_prev, w <- w - Delta. (The reference skips the replacement when the
 * threshold is 0; here exact zeros are still replaced, so a zero eigenvalue is never inverted.)
 */
export const exactSfn = describeOptimiser({
  ...catalogued('exact-sfn'),
  schema: z.strictObject({
    lr: positive(),
    momentum: withDefault(unitInterval(), 0),
    /** eigenvalues with |lambda| <= threshold are replaced by 1 / smallEigLr */
    smallEigLr: positive(),
    threshold: nonNegative(),
  }),
  needs: { hessian: { maxParameters: EXACT_EIGEN_MAX_PARAMETERS } },
  create: (hp) =>
    composeOptimizer(
      'exact-sfn',
      exactEigenDirection({ hessianEma: 0, smallEigenvalues: { threshold: hp.threshold, smallEigLr: hp.smallEigLr }, curvature: false }),
      fixedRule({ lr: hp.lr, momentum: hp.momentum }),
    ),
});
