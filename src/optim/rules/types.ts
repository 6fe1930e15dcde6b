import type * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import type { StepInfo } from '../optimizer.js';

/**
 * A curvature operator K as the adaptive rule's quadratic model sees it: the Gram matrix
 * G_ij = v_i . K v_j of a few vectors (the direction and the previous step). K is the Hessian for
 * the series (HVPs), |H| from an eigendecomposition for exact SFN, the Fisher for KFAC.
 */
export interface CurvatureModel {
  /** G (k x k, symmetric, float64) and how many Hessian-vector (or Gauss-Newton-vector) products it cost */
  gram(vectors: readonly tf.Tensor1D[]): Promise<{ gram: number[][]; hvps: number; gaussNewtonProducts?: number }>;
  /** K already contains the damping; otherwise the rule adds lambda v_i . v_j (C = K + lambda I) */
  readonly includesDamping: boolean;
}

export interface RuleInput {
  /** the step's Objective (loss before the step, `at` for the loss after it) */
  objective: Objective;
  params: tf.Tensor1D;
  /** the gradient at params (owned by the caller) */
  grad: tf.Tensor1D;
  /** d from the direction: the step goes along -d (owned by the caller) */
  direction: tf.Tensor1D;
  curvature: CurvatureModel;
}

export interface RuleOutput<S> {
  /** the new parameters (owned by the caller; a fresh tensor even when the step is refused) */
  params: tf.Tensor1D;
  state: S;
  info: StepInfo;
}

/**
 * A step rule turns a direction into an update: fixed learning rate with heavy-ball momentum, or
 * the adaptive quadratic model with Levenberg-Marquardt damping.
 */
export interface StepRule<S> {
  init(params: tf.Tensor1D): S;
  /** the damping the direction is to use this step */
  damping(state: S): number;
  /** consumes `state` when it returns */
  apply(input: RuleInput, state: S): Promise<RuleOutput<S>>;
  dispose(state: S): void;
}
