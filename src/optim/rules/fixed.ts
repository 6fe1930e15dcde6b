import * as tf from '@tensorflow/tfjs-core';
import type { StepInfo } from '../optimizer.js';
import type { StepRule } from './types.js';

export interface FixedRuleOptions {
  lr: number;
  /** heavy-ball momentum; absent: none, and not logged */
  momentum?: number;
  /** the damping handed to the direction; absent: 0, and not logged */
  damping?: number;
}

export interface FixedRuleState {
  /** u_{t-1}, the previous update (subtracted from w); null before the first step or when momentum is 0 */
  velocity: tf.Tensor1D | null;
}

/**
 * Fixed learning rate with heavy-ball momentum, as the reference code runs it:
 * u_t = lr d_t + momentum u_{t-1} (u_0 = lr d_0), w <- w - u_t.
 */
export function fixedRule(o: FixedRuleOptions): StepRule<FixedRuleState> {
  const { lr } = o;
  const momentum = o.momentum ?? 0;
  const info: StepInfo = {};
  if (o.damping !== undefined) info.damping = o.damping;
  info.lr = lr;
  if (o.momentum !== undefined) info.momentum = o.momentum;
  return {
    init: () => ({ velocity: null }),
    damping: () => o.damping ?? 0,
    async apply({ params, direction }, state) {
      const previous = state.velocity;
      const velocity = tf.tidy(() => {
        const u = tf.mul(direction, tf.scalar(lr, 'float32'));
        return (previous === null || momentum === 0 ? u : tf.add(u, tf.mul(previous, tf.scalar(momentum, 'float32')))) as tf.Tensor1D;
      });
      const next = tf.sub(params, velocity) as tf.Tensor1D;
      // the step consumes the state it was given
      previous?.dispose();
      const keep = momentum !== 0;
      if (!keep) velocity.dispose();
      return { params: next, state: { velocity: keep ? velocity : null }, info: { ...info } };
    },
    dispose: (state) => state.velocity?.dispose(),
  };
}
