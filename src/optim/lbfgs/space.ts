import * as tf from '@tensorflow/tfjs-core';
import { Float64VectorSpace, TfVectorSpace, type DotAccumulation, type VectorSpace } from '../series/index.js';

/**
 * The vector arithmetic L-BFGS needs: the series' VectorSpace plus the infinity norm of its
 * gradient test. Like dot and norm, maxAbs is a float64 number and NaN when any entry is NaN (so
 * a NaN gradient never passes `maxAbs(g) < tolerance`).
 */
export interface LbfgsVectorSpace<V> extends VectorSpace<V> {
  /** max_i |a_i| (the infinity norm); NaN when an entry is NaN */
  maxAbs(a: V): number;
}

/** exact float64 arithmetic on the host (tests, and the optimiser's history for small models) */
export class Float64LbfgsSpace extends Float64VectorSpace implements LbfgsVectorSpace<Float64Array> {
  maxAbs(a: Float64Array): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const t = Math.abs(a[i]);
      if (!(t <= m)) m = t; // also picks up NaN
    }
    return m;
  }
}

/** flat float32 tensors on the backend (the optimiser's history for large models) */
export class TfLbfgsSpace extends TfVectorSpace implements LbfgsVectorSpace<tf.Tensor1D> {
  constructor(dotAccumulation: DotAccumulation = 'float64') {
    super(dotAccumulation);
  }

  maxAbs(a: tf.Tensor1D): number {
    // one read for both numbers: the largest |entry| and whether any entry is NaN (max skips NaN)
    const packed = tf.tidy(() => tf.stack([tf.max(tf.abs(a)), tf.cast(tf.any(tf.isNaN(a)), 'float32')]));
    try {
      const [m, nan] = packed.dataSync();
      return nan === 1 ? NaN : m;
    } finally {
      packed.dispose();
    }
  }
}
