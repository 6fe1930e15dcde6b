import * as tf from '@tensorflow/tfjs-core';
import type { Direction } from './types.js';

/** d = g: gradient descent's direction (no preconditioning, no state). */
export function identityDirection(): Direction<null> {
  return {
    init: () => null,
    compute: async ({ grad }) => ({ direction: tf.clone(grad), state: null, info: {} }),
    dispose: () => {},
  };
}
