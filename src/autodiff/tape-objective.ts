import * as tf from '@tensorflow/tfjs-core';
import { assertTapeGradients } from '../backend/index.js';
import { hessianByBatches } from './hessian.js';
import type { Objective } from './objective.js';

export interface TapeObjectiveOptions {
  /** identity columns per hvpBatch call when building the explicit Hessian (default 32) */
  hessianChunk?: number;
}

/**
 * The generic Objective for a user's own TensorFlow.js model: any scalar loss of a flat
 * parameter vector, differentiated by TensorFlow.js's tape.
 *   grad: tf.grad(loss);
 *   hvp:  reverse-over-reverse, H v = d/dp <grad(p), v>, exact because initBackend()
 *         replaced every gradient that is wrong when differentiated twice (src/backend);
 *   hvpBatch: one such product per direction; hessian(): hvpBatch over identity chunks.
 * About 4-5 gradients' cost per product; the models of src/models use the faster hand-written
 * engine (modelObjective). lossFn must be built from ops whose gradients are second-order
 * safe: not tf.logSoftmax or tf.losses.softmaxCrossEntropy (customGrad ops that save their
 * output; the HVP throws), but logSoftmax / softmaxCrossEntropy from src/backend. (tf.fused
 * ops are fine: under a tape they fuse only linear activations, whose gradient reads no output.)
 * `params` stays owned by the caller; every returned tensor is owned by the caller.
 */
export function tapeObjective(
  lossFn: (params: tf.Tensor1D) => tf.Scalar,
  params: tf.Tensor1D,
  opts: TapeObjectiveOptions = {},
): Objective {
  if (params.rank !== 1) throw new Error(`tapeObjective: params must be a flat vector, got shape [${params.shape}]`);
  if (params.dtype !== 'float32') throw new Error(`tapeObjective: params must be float32, got ${params.dtype}`);
  assertTapeGradients();
  const size = params.shape[0];
  const chunk = opts.hessianChunk ?? 32;

  const scalarLoss = (p: tf.Tensor): tf.Scalar => {
    const value = lossFn(p as tf.Tensor1D);
    if (value.rank !== 0) throw new Error(`tapeObjective: the loss must be a scalar, got shape [${value.shape}]`);
    return value;
  };
  const gradOf = tf.grad(scalarLoss);
  const checkDirections = (t: tf.Tensor, rank: number, what: string, expected: string) => {
    if (t.rank !== rank || t.shape[rank - 1] !== size) {
      throw new Error(`${what}: direction${rank === 2 ? 's' : ''} must have shape ${expected}, got [${t.shape}]`);
    }
  };
  const hvpOf = (v: tf.Tensor1D): tf.Tensor1D =>
    tf.grad((p: tf.Tensor) => tf.sum(tf.mul(gradOf(p), v)))(params) as tf.Tensor1D;

  const objective: Objective = {
    size,
    loss: () => tf.tidy(() => scalarLoss(params)),
    grad: () => tf.tidy(() => gradOf(params) as tf.Tensor1D),
    lossAndGrad: () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad(scalarLoss)(params);
        return { loss: value as tf.Scalar, grad: grad as tf.Tensor1D };
      }),
    hvp: (v) => {
      checkDirections(v, 1, 'hvp', `[${size}]`);
      return tf.tidy(() => hvpOf(v));
    },
    hvpBatch: (vs) => {
      checkDirections(vs, 2, 'hvpBatch', `[k, ${size}]`);
      return tf.tidy(() => tf.stack(tf.unstack(vs).map((v) => tf.tidy(() => hvpOf(v as tf.Tensor1D)))) as tf.Tensor2D);
    },
    hessian: () => hessianByBatches(objective, chunk),
    at: (p) => {
      if (p.rank !== 1 || p.shape[0] !== size) throw new Error(`at: parameters must have shape [${size}], got [${p.shape}]`);
      return tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad(scalarLoss)(p);
        return { loss: value as tf.Scalar, grad: grad as tf.Tensor1D };
      });
    },
  };
  return objective;
}
