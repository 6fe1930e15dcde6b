import * as tf from '@tensorflow/tfjs-core';

/**
 * kfac-jax's bias-corrected moving average of a statistic (WeightedMovingAverage, updated with
 * old weight `ema` and new weight 1):
 *   weight <- ema * weight + 1,   raw <- ema * raw + stats,   value = raw / weight.
 * With ema 0 the value is the latest batch's statistic. The weight is a float64 JS number; the
 * raw sum stays on the device, kept across steps (tf.keep) and freed when replaced.
 */
export class MovingAverage {
  private raw: tf.Tensor | null = null;
  private weight = 0;

  /**
   * folds in one batch's statistic; takes ownership of `stats`. `ema` 1 accumulates (kfac-jax's
   * burn-in: old and new weight 1, so the value is the plain mean of the batches folded in).
   */
  update(stats: tf.Tensor, ema: number): void {
    if (!(ema >= 0 && ema <= 1)) throw new Error(`the curvature EMA must be in [0, 1], got ${ema}`);
    const prev = this.raw;
    const next = prev === null || ema === 0 ? stats : tf.tidy(() => tf.add(tf.mul(prev, ema), stats));
    if (next !== stats) stats.dispose();
    if (prev !== null) prev.dispose();
    this.raw = tf.keep(next);
    this.weight = ema * this.weight + 1;
  }

  get ready(): boolean {
    return this.raw !== null;
  }

  /** raw / weight, a new tensor owned by the caller */
  value(): tf.Tensor {
    if (this.raw === null) throw new Error('the curvature statistics are empty: update them with one batch first');
    const raw = this.raw;
    return tf.tidy(() => tf.div(raw, this.weight));
  }

  dispose(): void {
    this.raw?.dispose();
    this.raw = null;
    this.weight = 0;
  }
}
