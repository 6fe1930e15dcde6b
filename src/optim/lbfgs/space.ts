import * as tf from '@tensorflow/tfjs-core';
import { Float32VectorSpace, Float64VectorSpace, TfVectorSpace, type DotAccumulation, type VectorSpace } from '../series/index.js';

/**
 * The vector arithmetic L-BFGS needs: the series' VectorSpace plus the infinity norm of its
 * gradient test. Like dot and norm, maxAbs is a float64 number and NaN when any entry is NaN (so
 * a NaN gradient never passes `maxAbs(g) < tolerance`).
 */
export interface LbfgsVectorSpace<V> extends VectorSpace<V> {
  /** max_i |a_i| (the infinity norm); NaN when an entry is NaN (a promise as for dot) */
  maxAbs(a: V): number | Promise<number>;
}

/** max_i |a_i| over host entries; NaN when any entry is NaN */
function hostMaxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const t = Math.abs(a[i]);
    if (Number.isNaN(t)) return NaN;
    if (t > m) m = t;
  }
  return m;
}

/** exact float64 arithmetic on the host (tests, and the optimiser's history for small models) */
export class Float64LbfgsSpace extends Float64VectorSpace implements LbfgsVectorSpace<Float64Array> {
  maxAbs(a: Float64Array): number {
    return hostMaxAbs(a);
  }
}

/**
 * float32 arithmetic on the host, as the paper's JAX code ran L-BFGS (x64 never enabled): the
 * series' Float32VectorSpace (every elementwise result rounded to float32; axpy rounds the product
 * before the sum, like JAX's `xk + t * pk`), except that dot products and norms, accumulated in
 * float64, are rounded to float32 at the end as JAX returns them (XLA's own float32 accumulation
 * order cannot be reproduced; the two differ by a few float32 ulps at most).
 */
export class Float32LbfgsSpace extends Float32VectorSpace implements LbfgsVectorSpace<Float32Array> {
  override dot(a: Float32Array, b: Float32Array): number {
    return Math.fround(super.dot(a, b));
  }

  override norm(a: Float32Array): number {
    return Math.fround(Math.sqrt(this.dot(a, a)));
  }

  maxAbs(a: Float32Array): number {
    return hostMaxAbs(a);
  }
}

/** flat float32 tensors on the backend (the optimiser's history for large models) */
export class TfLbfgsSpace extends TfVectorSpace implements LbfgsVectorSpace<tf.Tensor1D> {
  constructor(dotAccumulation: DotAccumulation = 'float64') {
    super(dotAccumulation);
  }

  async maxAbs(a: tf.Tensor1D): Promise<number> {
    // one read for both numbers: the largest |entry| and whether any entry is NaN (max skips NaN)
    const packed = tf.tidy(() => tf.stack([tf.max(tf.abs(a)), tf.cast(tf.any(tf.isNaN(a)), 'float32')]));
    try {
      const [m, nan] = await packed.data();
      return nan === 1 ? NaN : m;
    } finally {
      packed.dispose();
    }
  }
}
