import * as tf from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';
import { statisticOf, type CurvatureBlock } from './block.js';
import { MovingAverage } from './moving-average.js';

/**
 * Batch-norm scale and offset, diagonal (kfac-jax's ScaleAndShiftDiagonal): with x^ the normalised
 * input and dy the gradient w.r.t. the output of example n,
 *   d_scale = sum over positions of x^ * dy,  d_shift = sum over positions of dy  (per channel),
 *   diag = (1/N) sum_n d^2;  update g / (diag + lambda)  with the damping of the step.
 */
export class BatchNormBlock implements CurvatureBlock {
  readonly params: string[];
  private readonly scale = new MovingAverage();
  private readonly shift = new MovingAverage();
  private readonly what: string;

  constructor(readonly node: number, params: string[]) {
    this.params = params;
    this.what = `KFAC batch-norm block ${params[0]}`;
  }

  updateStatistics(stats: LayerStatistics, ema: number): void {
    const s = statisticOf(stats, this.node, this.what);
    const [scale, shift] = tf.tidy(() => {
      const rank = s.inputs.rank;
      const positions = Array.from({ length: rank - 2 }, (_, i) => i + 1);
      const perExample = (t: tf.Tensor) => (positions.length === 0 ? t : tf.sum(t, positions));
      const dScale = perExample(tf.mul(s.inputs, s.outputGrads));
      const dShift = perExample(s.outputGrads);
      return [tf.div(tf.sum(tf.square(dScale), 0), stats.count), tf.div(tf.sum(tf.square(dShift), 0), stats.count)];
    });
    this.scale.update(scale, ema);
    this.shift.update(shift, ema);
  }

  updateInverses(): void {}

  precondition(grads: tf.Tensor[], damping: number): tf.Tensor[] {
    return tf.tidy(() => [
      tf.div(grads[0], tf.add(this.scale.value(), damping)),
      tf.div(grads[1], tf.add(this.shift.value(), damping)),
    ]);
  }

  /** the current diagonals (for tests; caller owns them) */
  diagonals(): tf.Tensor[] {
    return [this.scale.value(), this.shift.value()];
  }

  dispose(): void {
    this.scale.dispose();
    this.shift.dispose();
  }
}
