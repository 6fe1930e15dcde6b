import * as tf from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';
import type { CurvatureBlock } from './block.js';
import { MovingAverage } from './moving-average.js';

/**
 * Any parameter no layer block covers (kfac-jax's NaiveDiagonal): with s the sum over examples of
 * the per-example gradients of the sampled loss, diag = s^2 / N; update g / (diag + lambda).
 * (No layer of the current model zoo has such parameters; the block keeps KFAC total.)
 */
export class DiagonalBlock implements CurvatureBlock {
  readonly params: string[];
  private readonly diag = new MovingAverage();

  constructor(param: string) {
    this.params = [param];
  }

  updateStatistics(stats: LayerStatistics, ema: number): void {
    const g = stats.paramGrads.get(this.params[0]);
    if (!g) throw new Error(`KFAC diagonal block ${this.params[0]}: the layer statistics hold no gradient for it; ask for it in otherParams`);
    this.diag.update(tf.tidy(() => tf.div(tf.square(g), stats.count)), ema);
  }

  updateInverses(): void {}

  precondition(grads: tf.Tensor[], damping: number): tf.Tensor[] {
    return tf.tidy(() => [tf.div(grads[0], tf.add(this.diag.value(), damping))]);
  }

  /** the current diagonal (for tests; caller owns it) */
  diagonals(): tf.Tensor[] {
    return [this.diag.value()];
  }

  dispose(): void {
    this.diag.dispose();
  }
}
