import { z } from 'zod';
import { intAtLeast, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { KFAC_FIELDS } from './kfac-fields.js';
import { LEVENBERG_MARQUARDT_FIELDS } from './rules/lm-damping.js';

/**
 * "KFAC (DeepMind)": kfac-jax with adaptive learning rate, momentum and damping (REFERENCE.md).
 * Not built yet: the schema lets configs list it; runs are refused.
 */
export const kfacDeepmind = describeOptimiser({
  ...catalogued('kfac-deepmind'),
  schema: z.strictObject({
    damping: positive(),
    curvatureEma: withDefault(unitInterval(), 0.95),
    ...KFAC_FIELDS,
    ...LEVENBERG_MARQUARDT_FIELDS,
    burnIn: withDefault(intAtLeast(0), 10),
    dampingAdaptationPeriod: withDefault(intAtLeast(1), 1),
  }),
  needs: { pointEvaluations: true, layerStatistics: true },
  create: null,
});
