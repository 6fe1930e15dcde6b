import * as tf from '@tensorflow/tfjs-core';
import { BATCHNORM_DECAY, batchNormStates, type ModelSpec } from '../models/spec.js';
import type { BatchNormStatistics } from '../autodiff/model-objective.js';
import type { BatchNormRunning } from '../autodiff/forward-pass.js';

/**
 * Running batch-norm statistics for evaluation, as Haiku's BatchNorm: one
 * ExponentialMovingAverage per statistic with zero debiasing,
 *   hidden <- decay hidden + (1 - decay) value,  average = hidden / (1 - decay^count),
 * so the first average is the first batch's value exactly. Before any update the averages are
 * zero (Haiku's initial state). Tensors are float32; the count is a JS number.
 */
export class BatchNormAverages {
  private readonly hidden = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>();
  private updates = 0;

  constructor(spec: ModelSpec, readonly decay: number = BATCHNORM_DECAY) {
    for (const { state, channels } of batchNormStates(spec)) {
      this.hidden.set(state, { mean: tf.zeros([channels]), variance: tf.zeros([channels]) });
    }
  }

  /** whether the model has any batch-norm layer */
  get active(): boolean {
    return this.hidden.size > 0;
  }

  /** updates applied so far */
  get count(): number {
    return this.updates;
  }

  /** Folds in one training step's batch statistics (the caller still owns `stats`). */
  update(stats: BatchNormStatistics): void {
    if (!this.active) return;
    const d = this.decay;
    for (const [state, h] of this.hidden) {
      const s = stats.get(state);
      if (!s) throw new Error(`batch statistics of layer ${state} are missing`);
      const next = tf.tidy(() => ({
        mean: tf.add(tf.mul(h.mean, d), tf.mul(s.mean, 1 - d)) as tf.Tensor1D,
        variance: tf.add(tf.mul(h.variance, d), tf.mul(s.variance, 1 - d)) as tf.Tensor1D,
      }));
      tf.dispose([h.mean, h.variance]);
      this.hidden.set(state, next);
    }
    this.updates++;
  }

  /** The debiased averages for evaluation mode; the caller owns them (call inside tf.tidy). */
  averages(): BatchNormRunning {
    const out: BatchNormRunning = new Map();
    const debias = this.updates === 0 ? 1 : 1 / (1 - Math.pow(this.decay, this.updates));
    for (const [state, h] of this.hidden) {
      out.set(state, { mean: tf.mul(h.mean, debias), variance: tf.mul(h.variance, debias) });
    }
    return out;
  }

  dispose(): void {
    for (const h of this.hidden.values()) tf.dispose([h.mean, h.variance]);
    this.hidden.clear();
  }
}
