import * as tf from '@tensorflow/tfjs-core';
import { MovingAverage } from './moving-average.js';
import { piDampedInverses, type InverseOptions, type PiDampedInverses } from './pi-damping.js';

/**
 * The two Kronecker factors of a dense or conv block and their pi-damped inverses: the block's
 * curvature is A kron G over the parameter matrix V = [W; b] ([d_A, d_G], the weight flattened to
 * rows (kh, kw, c_in) for conv and the bias as the last row), and F^-1 vec(V) ~ A^-1 V G^-1.
 */
export class KroneckerFactors {
  readonly a = new MovingAverage();
  readonly g = new MovingAverage();
  private inverses: PiDampedInverses | null = null;

  constructor(private readonly opts: InverseOptions) {}

  /** takes ownership of the two statistics */
  update(aStats: tf.Tensor, gStats: tf.Tensor, ema: number): void {
    this.a.update(aStats, ema);
    this.g.update(gStats, ema);
  }

  async updateInverses(damping: number): Promise<void> {
    const a = this.a.value() as tf.Tensor2D;
    const g = this.g.value() as tf.Tensor2D;
    try {
      const next = await piDampedInverses(a, g, damping, this.opts);
      this.disposeInverses();
      this.inverses = next;
    } finally {
      tf.dispose([a, g]);
    }
  }

  /** A^-1 V G^-1 for V [d_A, d_G] */
  apply(v: tf.Tensor2D): tf.Tensor2D {
    if (this.inverses === null) throw new Error(`${this.opts.what ?? 'KFAC block'}: no inverses yet; call updateInverses first`);
    const { aInv, gInv } = this.inverses;
    return tf.tidy(() => gInv.right(aInv.left(v)));
  }

  /** the current inverses (for tests) */
  currentInverses(): PiDampedInverses | null {
    return this.inverses;
  }

  private disposeInverses(): void {
    if (this.inverses !== null) {
      this.inverses.aInv.dispose();
      this.inverses.gInv.dispose();
    }
    this.inverses = null;
  }

  dispose(): void {
    this.a.dispose();
    this.g.dispose();
    this.disposeInverses();
  }
}
