import { intAtLeast, oneOf, withDefault } from '../config/fields.js';

/** Hyperparameters both KFAC flavours take. */
export const KFAC_FIELDS = {
  inverseUpdatePeriod: withDefault(intAtLeast(1), 1),
  /** Fisher from labels sampled from the model (as run) or from the data labels */
  fisher: withDefault(oneOf(['sampled', 'empirical'] as const), 'sampled'),
};
