import type * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import type { StepInfo } from '../optimizer.js';
import type { CurvatureModel } from '../rules/types.js';

/**
 * A direction turns the step's gradient into a preconditioned vector d ~ P^{-1} g (identity, the
 * series, exact eigen, KFAC); a step rule (rules/) then decides how far to go along -d.
 */
export interface DirectionInput {
  objective: Objective;
  params: tf.Tensor1D;
  /** the gradient of the step's batch at params (owned by the caller) */
  grad: tf.Tensor1D;
  /** the damping the step rule uses this step (fixed, or adapted by Levenberg-Marquardt) */
  damping: number;
}

export interface DirectionOutput<S> {
  /** d, owned by the caller */
  direction: tf.Tensor1D;
  /** the next state (the given one is consumed) */
  state: S;
  /** what gets logged: V, hvps, ... */
  info: StepInfo;
  /**
   * The direction's own curvature for the adaptive rule's quadratic model (exact SFN: |H| of this
   * step's Hessian); absent: the rule uses the Objective's Hessian-vector products.
   */
  curvature?: CurvatureModel;
}

export interface Direction<S> {
  init(params: tf.Tensor1D): S;
  /** consumes `state` only when it returns (a throwing call leaves it to the caller to dispose) */
  compute(input: DirectionInput, state: S): Promise<DirectionOutput<S>>;
  dispose(state: S): void;
}
