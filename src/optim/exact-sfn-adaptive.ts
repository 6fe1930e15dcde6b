import { z } from 'zod';
import { nonNegative, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { EXACT_SFN_MAX_PARAMETERS } from './exact-sfn.js';
import { LEVENBERG_MARQUARDT_FIELDS } from './rules/lm-damping.js';

/** "Exact SFN (Adaptive)". Not built yet: the schema lets configs list it; runs are refused. */
export const exactSfnAdaptive = describeOptimiser({
  name: 'exact-sfn-adaptive',
  title: 'Exact SFN (Adaptive)',
  schema: z.strictObject({
    damping: nonNegative(),
    hessianEma: withDefault(unitInterval(), 0.95),
    ...LEVENBERG_MARQUARDT_FIELDS,
  }),
  needs: { hessian: { maxParameters: EXACT_SFN_MAX_PARAMETERS }, pointEvaluations: true },
  create: null,
});
