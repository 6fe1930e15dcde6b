import { z } from 'zod';
import { nonNegative, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';

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
  needs: {},
  create: null,
});
