import { z } from 'zod';
import { intAtLeast, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { KFAC_FIELDS } from './kfac-fields.js';

/**
 * "KFAC (Kazuki)": kfac-jax with fixed learning rate, momentum and damping (REFERENCE.md).
 * Not built yet: the schema lets configs list it; runs are refused.
 */
export const kfacKazuki = describeOptimiser({
  ...catalogued('kfac-kazuki'),
  schema: z.strictObject({
    lr: positive(),
    momentum: unitInterval(),
    damping: positive(),
    curvatureEma: withDefault(unitInterval(), 0),
    ...KFAC_FIELDS,
    burnIn: withDefault(intAtLeast(0), 0),
  }),
  needs: { layerStatistics: true },
  create: null,
});
