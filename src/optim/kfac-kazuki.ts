import { z } from 'zod';
import { intAtLeast, positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { kfacDirection } from './directions/kfac.js';
import { KFAC_FIELDS } from './kfac-fields.js';
import { fixedRule } from './rules/fixed.js';

/**
 * "KFAC (Kazuki)": kfac-jax as the paper ran it with fixed learning rate, momentum and damping
 * (REFERENCE.md): the KFAC direction p = F^-1 g (curvature EMA 0, i.e. this batch's statistics
 * alone; inverses every step with the fixed damping) and the fixed rule u_t = lr p_t +
 * momentum u_{t-1}, w <- w - u_t (momentum 0 on the first step, as kfac-jax's momentum schedule
 * and zero initial velocities make it). No damping adaptation (kfac-jax's min damping 0 then
 * plays no part), no burn-in unless asked for.
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
  create: (hp, context) =>
    composeOptimizer(
      'kfac-kazuki',
      kfacDirection({
        ema: hp.curvatureEma,
        inverseUpdatePeriod: hp.inverseUpdatePeriod,
        fisher: hp.fisher,
        burnIn: hp.burnIn,
        seed: context.seed,
        exactCurvature: false,
      }),
      fixedRule({ lr: hp.lr, momentum: hp.momentum, damping: hp.damping }),
    ),
});
