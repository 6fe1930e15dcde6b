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
   * Loss and gradient of the same batch at other parameters, in the same mode (batch-norm layers
   * use that point's batch statistics, as in the step): for Levenberg-Marquardt's rho and line
   * searches. Nothing is cached; the caller owns both tensors.
   */
  at(params: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D };
}

/**
 * An Objective that also computes H v on host float32 vectors, without a round trip through the
 * backend (the dense-chain engine's): the series optimisers run their vector arithmetic on the host
 * for it (Float32VectorSpace), bit for bit what they compute on tensors.
 */
export interface HostProducts {
  /** H v for v on the host; a fresh array, owned by the caller */
  hvpHost(v: Float32Array): Float32Array;
}

export function hasHostProducts(o: object): o is HostProducts {
  return typeof (o as Partial<HostProducts>).hvpHost === 'function';
}

/**
 * The same Objective with its `at` calls counted (the step info's `evaluations`); every other
 * member, including ones other Objectives add, passes through unchanged.
 */
export function countingEvaluations<O extends Objective>(objective: O): { objective: O; evaluations: () => number } {
  let count = 0;
  const at = (params: tf.Tensor1D) => {
    count++;
    return objective.at(params);
  };
  const counted = new Proxy(objective, {
    get(target, key) {
      if (key === 'at') return at;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { objective: counted, evaluations: () => count };
}
