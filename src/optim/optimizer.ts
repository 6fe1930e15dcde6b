import type * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../autodiff/objective.js';

/** What an optimiser step reports, logged per step (learning rate, momentum, damping, rho, V, ...). */
export type StepInfo = Record<string, number>;

export interface StepResult<S> {
  params: tf.Tensor1D;
  state: S;
  info: StepInfo;
  /**
   * The training loss this step reports, when it is not the batch's loss before the update (the
   * training loop's default): L-BFGS reports the final loss of its inner run, as the paper logged it.
   */
  reportedLoss?: number;
}

/**
 * Optimisers see only the Objective (loss, gradient, curvature products on the current batch)
 * and the flat parameter vector. The caller owns `params` and the returned tensors; a step must
 * not leak: whatever it keeps in `state` it disposes when that state is replaced (see `dispose`).
 */
export interface Optimizer<S = unknown> {
  readonly name: string;
  init(params: tf.Tensor1D): S;
  step(objective: Objective, params: tf.Tensor1D, state: S): Promise<StepResult<S>>;
  /** free the tensors held by a state that is no longer used */
  dispose(state: S): void;
}
