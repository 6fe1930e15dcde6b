import * as tf from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';
import { statisticOf, type CurvatureBlock } from './block.js';
import { KroneckerFactors } from './kronecker-factors.js';
import type { InverseOptions } from './pi-damping.js';

/**
 * Dense layer z = x W + b (kfac-jax's DenseTwoKroneckerFactored):
 *   x~ = [x; 1] (no 1 without a bias),  A = (1/N) sum_n x~ x~^T,  G = (1/N) sum_n g g^T,
 * g the gradient w.r.t. z of example n; padding rows count in neither sum nor N.
 * Update of [W; b]: A^-1 [g_W; g_b] G^-1 with the pi-damped inverses.
 */
export class DenseBlock implements CurvatureBlock {
  readonly params: string[];
  private readonly factors: KroneckerFactors;
  private readonly what: string;

  constructor(readonly node: number, params: string[], private readonly weightShape: number[], opts: InverseOptions = {}) {
    this.params = params;
    this.what = `KFAC dense block ${params[0]}`;
    this.factors = new KroneckerFactors({ ...opts, what: this.what });
  }

  private get hasBias(): boolean {
    return this.params.length === 2;
  }

  updateStatistics(stats: LayerStatistics, ema: number): void {
    const s = statisticOf(stats, this.node, this.what);
    const [a, g] = tf.tidy(() => {
      const m = tf.reshape(stats.mask, [-1, 1]);
      const x = tf.reshape(s.inputs, [s.inputs.shape[0], -1]);
      const xt = tf.mul(this.hasBias ? tf.concat([x, tf.onesLike(m)], 1) : x, m);
      const gz = s.outputGrads;
      return [
        tf.div(tf.matMul(tf.transpose(xt), xt), stats.count),
        tf.div(tf.matMul(tf.transpose(gz), gz), stats.count),
      ];
    });
    this.factors.update(a, g, ema);
  }

  updateInverses(damping: number): Promise<void> {
    return this.factors.updateInverses(damping);
  }

  precondition(grads: tf.Tensor[], _damping: number): tf.Tensor[] {
    const [d, units] = this.weightShape;
    return tf.tidy(() => {
      const v = (this.hasBias ? tf.concat([grads[0], tf.reshape(grads[1], [1, units])], 0) : grads[0]) as tf.Tensor2D;
      const u = this.factors.apply(v);
      if (!this.hasBias) return [u];
      return [tf.slice(u, [0, 0], [d, units]), tf.reshape(tf.slice(u, [d, 0], [1, units]), [units])];
    });
  }

  /** the current factor values A, G (for tests; caller owns them) */
  factorValues(): { a: tf.Tensor2D; g: tf.Tensor2D } {
    return { a: this.factors.a.value() as tf.Tensor2D, g: this.factors.g.value() as tf.Tensor2D };
  }

  dispose(): void {
    this.factors.dispose();
  }
}
