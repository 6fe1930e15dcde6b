import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from './objective.js';
import type { ModelDef } from '../models/zoo.js';

/**
 * One minibatch. x: [batch, ...inputShape]; targets: [batch, outputs] for 'mse', class labels as
 * float [batch] for 'ce'; mask: [batch], 1 for real rows and 0 for padding rows.
 */
export interface Batch {
  x: tf.Tensor;
  targets: tf.Tensor;
  mask: tf.Tensor1D;
}

/** Batch statistics of every batch-norm layer, from the last forward pass in training mode. */
export type BatchNormStatistics = Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;

export interface ModelObjective extends Objective {
  /** batch statistics (training mode) for updating the running averages; caller owns the tensors */
  batchNormStatistics(): BatchNormStatistics;
  /** frees the cached forward pass; the Objective must not be used afterwards */
  dispose(): void;
}

// WORK IN PROGRESS (lead): the hand-written Pearlmutter R-operator engine goes here.
export function modelObjective(def: ModelDef, params: tf.Tensor1D, batch: Batch): ModelObjective {
  void def; void params; void batch;
  throw new Error('modelObjective: not implemented yet');
}
