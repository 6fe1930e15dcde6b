import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { positive, unitInterval, withDefault } from '../config/fields.js';
import { describeOptimiser } from './descriptor.js';
import { catalogued } from './catalogue.js';
import type { Optimizer, StepResult } from './optimizer.js';

export interface AdamState {
  /** first moment (EMA of g) */
  m: tf.Tensor1D;
  /** second moment (EMA of g^2) */
  v: tf.Tensor1D;
  /** steps taken so far; a float64 JS number, so the bias corrections are exact */
  count: number;
}

/**
 * Adam as optax.adam (eps_root 0): m <- b1 m + (1-b1) g, v <- b2 v + (1-b2) g^2, and with
 * t = count + 1, w <- w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps): bias correction on
 * both moments and eps outside the square root.
 */
export const adam = describeOptimiser({
  ...catalogued('adam'),
  schema: z.strictObject({
    lr: positive(),
    beta1: withDefault(unitInterval(), 0.9),
    beta2: withDefault(unitInterval(), 0.999),
    eps: withDefault(positive(), 1e-8),
  }),
  needs: {},
  create: (hp) => adamOptimizer(hp),
});

function adamOptimizer(hp: { lr: number; beta1: number; beta2: number; eps: number }): Optimizer<AdamState> {
  const { lr, beta1, beta2, eps } = hp;
  return {
    name: 'adam',
    init: (params) => ({ m: tf.zerosLike(params), v: tf.zerosLike(params), count: 0 }),
    async step(objective, params, state): Promise<StepResult<AdamState>> {
      const count = state.count + 1;
      const correction1 = 1 - Math.pow(beta1, count);
      const correction2 = 1 - Math.pow(beta2, count);
      const [next, m, v] = tf.tidy(() => {
        const g = objective.grad();
        const m = tf.add(tf.mul(state.m, beta1), tf.mul(g, 1 - beta1)) as tf.Tensor1D;
        const v = tf.add(tf.mul(state.v, beta2), tf.mul(tf.square(g), 1 - beta2)) as tf.Tensor1D;
        const denominator = tf.add(tf.sqrt(tf.div(v, correction2)), eps);
        const update = tf.div(tf.mul(m, lr / correction1), denominator);
        return [tf.sub(params, update) as tf.Tensor1D, m, v];
      });
      // the step consumes the state it was given
      tf.dispose([state.m, state.v]);
      return { params: next, state: { m, v, count }, info: { lr } };
    },
    dispose: (state) => tf.dispose([state.m, state.v]),
  };
}
