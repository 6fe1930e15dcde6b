import { z } from 'zod';
import { nonNegative, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';

/**
 * The largest model the exact optimisers accept: the explicit Hessian is n^2 float64 (200 MB at
 * 5,000) and its eigendecomposition O(n^3), about 100 times the UCI Energy MLP's (1,057).
 */
export const EXACT_SFN_MAX_PARAMETERS = 5000;

/** "Exact SFN". Not built yet: the schema lets configs list it; runs are refused. */
export const exactSfn = describeOptimiser({
  name: 'exact-sfn',
  title: 'Exact SFN',
  schema: z.strictObject({
    lr: positive(),
    momentum: withDefault(unitInterval(), 0),
    /** eigenvalues with |lambda| <= threshold are replaced by 1 / smallEigLr */
    smallEigLr: positive(),
    threshold: nonNegative(),
  }),
  needs: { hessian: { maxParameters: EXACT_SFN_MAX_PARAMETERS } },
  create: null,
});
