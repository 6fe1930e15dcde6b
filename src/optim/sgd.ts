import { z } from 'zod';
import { positive } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import { composeOptimizer } from './compose.js';
import { identityDirection } from './directions/identity.js';
import { fixedRule } from './rules/fixed.js';

/** Plain gradient descent without momentum, as optax.sgd: w <- w - lr g. */
export const sgd = describeOptimiser({
  ...catalogued('sgd'),
  schema: z.strictObject({ lr: positive() }),
  needs: {},
  create: (hp) => composeOptimizer('sgd', identityDirection(), fixedRule({ lr: hp.lr })),
});
