import { z } from 'zod';
import { intAtLeast, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { kfacDirection } from './directions/kfac.js';
import { KFAC_FIELDS } from './kfac-fields.js';
import { adaptiveRule } from './rules/adaptive.js';
import { LEVENBERG_MARQUARDT_FIELDS, levenbergMarquardtOptions } from './rules/lm-damping.js';

/**
 * "KFAC (DeepMind)": kfac-jax as the paper ran it with adaptive learning rate, momentum and
 * damping (REFERENCE.md): the KFAC direction p = F^-1 g (curvature EMA 0.95, inverses every step
 * with the current damping) and the adaptive rule with the exact Fisher / Gauss-Newton products of
 * the batch as its curvature: [lr, momentum] minimise the damped model over p and the previous
 * step (momentum 0 on the first step), the predicted change leaves the damping out (kfac-jax's
 * include_damping_in_quad_change=False), rho from the same batch's new loss, Levenberg-Marquardt
 * damping (decay 0.9, thresholds 1/4 and 3/4, floor 1e-8) every `dampingAdaptationPeriod` steps;
 * every step is taken, however bad its rho (kfac-jax never undoes one). `burnIn` passes of
 * statistics before the first step (kfac-jax's default 10) did not run in the paper: the
 * reference code passes each batch to kfac-jax's step, which burns in only from a data iterator.
 */
export const kfacDeepmind = describeOptimiser({
  ...catalogued('kfac-deepmind'),
  schema: z.strictObject({
    /** initial damping, adapted by Levenberg-Marquardt */
    damping: positive(),
    curvatureEma: withDefault(unitInterval(), 0.95),
    ...KFAC_FIELDS,
    ...LEVENBERG_MARQUARDT_FIELDS,
    burnIn: withDefault(intAtLeast(0), 0),
    dampingAdaptationPeriod: withDefault(intAtLeast(1), 1),
  }),
  needs: { pointEvaluations: true, layerStatistics: true },
  create: (hp, context) =>
    composeOptimizer(
      'kfac-deepmind',
      kfacDirection({
        ema: hp.curvatureEma,
        inverseUpdatePeriod: hp.inverseUpdatePeriod,
        fisher: hp.fisher,
        burnIn: hp.burnIn,
        seed: context.seed,
        exactCurvature: true,
      }),
      adaptiveRule({
        damping: hp.damping,
        lm: { ...levenbergMarquardtOptions(hp), period: hp.dampingAdaptationPeriod },
        model: 'plane',
        acceptance: 'every-step',
        modelChange: 'undamped',
      }),
    ),
});
