import * as tf from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';
import { spatialOut } from '../../models/spec.js';
import { statisticOf, type CurvatureBlock } from './block.js';
import { patchSecondMoment, type ConvGeometry } from './conv-patches.js';
import { KroneckerFactors } from './kronecker-factors.js';
import type { InverseOptions } from './pi-damping.js';

/**
 * Conv2d layer, KFC (kfac-jax's Conv2DTwoKroneckerFactored): with p the zero-padded input patch
 * of an output location, ordered (kh, kw, c_in), and p~ = [p; 1] with a bias,
 *   A = (1/N) sum over examples and locations of p~ p~^T  (bias row: the mean patch sum over
 *       examples; corner: the number of locations L),
 *   G = (1/(N L)) sum over examples and locations of g g^T,  g the gradient w.r.t. the conv output.
 * Update of [W (rows kh, kw, c_in); b]: A^-1 [g_W; g_b] G^-1. Padding rows count nowhere.
 */
export class ConvBlock implements CurvatureBlock {
  readonly params: string[];
  private readonly factors: KroneckerFactors;
  private readonly what: string;

  constructor(
    readonly node: number, params: string[], private readonly filterShape: number[],
    private readonly geometry: Pick<ConvGeometry, 'stride' | 'padding'>, opts: InverseOptions = {},
  ) {
    this.params = params;
    this.what = `KFAC conv block ${params[0]}`;
    this.factors = new KroneckerFactors({ ...opts, what: this.what });
  }

  private get hasBias(): boolean {
    return this.params.length === 2;
  }

  updateStatistics(stats: LayerStatistics, ema: number): void {
    const s = statisticOf(stats, this.node, this.what);
    const [kh, kw] = this.filterShape;
    const g: ConvGeometry = { kh, kw, ...this.geometry };
    const x = s.inputs as tf.Tensor4D;
    const aSum = patchSecondMoment(x, stats.mask, g, this.hasBias);
    const [a, gStats] = tf.tidy(() => {
      const [, h, w] = x.shape;
      const locations = spatialOut(h, kh, g.stride, g.padding) * spatialOut(w, kw, g.stride, g.padding);
      const co = s.outputGrads.shape[3] as number;
      const rows = tf.reshape(s.outputGrads, [-1, co]);
      return [tf.div(aSum, stats.count), tf.div(tf.matMul(tf.transpose(rows), rows), stats.count * locations)];
    });
    aSum.dispose();
    this.factors.update(a, gStats, ema);
  }

  updateInverses(damping: number): Promise<void> {
    return this.factors.updateInverses(damping);
  }

  precondition(grads: tf.Tensor[], _damping: number): tf.Tensor[] {
    const [kh, kw, ci, co] = this.filterShape;
    const rows = kh * kw * ci;
    return tf.tidy(() => {
      const w = tf.reshape(grads[0], [rows, co]);
      const v = (this.hasBias ? tf.concat([w, tf.reshape(grads[1], [1, co])], 0) : w) as tf.Tensor2D;
      const u = this.factors.apply(v);
      if (!this.hasBias) return [tf.reshape(u, this.filterShape)];
      return [tf.reshape(tf.slice(u, [0, 0], [rows, co]), this.filterShape), tf.reshape(tf.slice(u, [rows, 0], [1, co]), [co])];
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
