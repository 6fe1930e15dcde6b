import type * as tf from '@tensorflow/tfjs-core';

/**
 * The one thing optimisers see: a loss of a flat parameter vector on a fixed batch.
 * Every returned tensor is owned by the caller (dispose it or create it inside tf.tidy).
 */
export interface Objective {
  /** number of parameters, the length of every vector below */
  readonly size: number;
  loss(): tf.Scalar;
  grad(): tf.Tensor1D;
  lossAndGrad(): { loss: tf.Scalar; grad: tf.Tensor1D };
  /** Hessian-vector product H v */
  hvp(v: tf.Tensor1D): tf.Tensor1D;
  /** H V^T for many directions at once: V is [k, size], the result is [k, size] */
  hvpBatch(vs: tf.Tensor2D): tf.Tensor2D;
  /** the full Hessian in float64 (row-major size x size), for models of a few thousand parameters */
  hessian(): Promise<Float64Array>;
  /**
   * The loss of the same batch at other parameters (same mode, e.g. batch-norm batch statistics),
   * for trust-region checks such as Levenberg-Marquardt's rho. Optional: optimisers that need it
   * say so when it is missing.
   */
  lossAt?(params: tf.Tensor1D): tf.Scalar;
}
