import * as tf from '@tensorflow/tfjs-core';
import type { Hyperparameters } from '../config/hyperparameters.js';
import type { Optimizer, StepResult } from './optimizer.js';

/** Plain gradient descent without momentum, as optax.sgd: w <- w - lr g. Stateless. */
export function sgd(hp: Hyperparameters['sgd']): Optimizer<null> {
  const lr = hp.lr;
  return {
    name: 'sgd',
    init: () => null,
    async step(objective, params): Promise<StepResult<null>> {
      const next = tf.tidy(() => tf.sub(params, tf.mul(objective.grad(), lr)) as tf.Tensor1D);
      return { params: next, state: null, info: { lr } };
    },
    dispose: () => {},
  };
}
