import * as tf from '@tensorflow/tfjs-core';
import type { Hyperparameters } from '../config/hyperparameters.js';
import type { Optimizer, StepResult } from './optimizer.js';
import { seriesDirection } from './series/index.js';
import { checkSeriesHyperparameters, seriesOptionsFor } from './ours-series.js';
import { seriesVectorSpace } from './series-space.js';

export interface OursState {
  /** the series scale factor V (float64; starts at V0, only rises) */
  V: number;
  /** u_{t-1}, the previous update (subtracted from w); null before the first step or when momentum is 0 */
  velocity: tf.Tensor1D | null;
}

/**
 * "Ours" (Algorithm 1 with heavy-ball momentum, as run): Delta_t = V^{-1/2} * accelerated series
 * ~ (|H| + damping I)^{-1} g, u_t = lr Delta_t + momentum u_{t-1}, w <- w - u_t.
 * Costs 2(K-1) Hessian-vector products per step (more with powerIterations).
 */
export function ours(hp: Hyperparameters['ours']): Optimizer<OursState> {
  checkSeriesHyperparameters(hp);
  const { lr, momentum, damping } = hp;
  return {
    name: 'ours',
    init: () => ({ V: hp.V0, velocity: null }),
    async step(objective, params, state): Promise<StepResult<OursState>> {
      const space = seriesVectorSpace(params.size);
      const g = objective.grad();
      let series;
      try {
        series = seriesDirection(space, g, (v) => objective.hvp(v), seriesOptionsFor(hp, damping, state.V));
      } finally {
        g.dispose();
      }
      const { direction } = series;
      const previous = state.velocity;
      const velocity = tf.tidy(() => {
        const u = tf.mul(direction, tf.scalar(lr, 'float32'));
        return (previous === null || momentum === 0 ? u : tf.add(u, tf.mul(previous, tf.scalar(momentum, 'float32')))) as tf.Tensor1D;
      });
      direction.dispose();
      const next = tf.sub(params, velocity) as tf.Tensor1D;
      // the step consumes the state it was given
      previous?.dispose();
      const keep = momentum !== 0;
      if (!keep) velocity.dispose();
      return {
        params: next,
        state: { V: series.V, velocity: keep ? velocity : null },
        info: { V: series.V, damping, lr, momentum, hvps: series.hvpCount, fallbacks: series.fallbacks },
      };
    },
    dispose: (state) => state.velocity?.dispose(),
  };
}
