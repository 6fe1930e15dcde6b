import * as tf from '@tensorflow/tfjs-core';
import { Float64VectorSpace, TfVectorSpace, type DotAccumulation, type VectorSpace } from '../series/index.js';

/**
 * The vector arithmetic L-BFGS needs: the series' VectorSpace plus the infinity norm of its
 * gradient test. Like dot and norm, maxAbs is a float64 number and NaN when any entry is NaN (so
 * a NaN gradient never passes `maxAbs(g) < tolerance`).
 */
export interface LbfgsVectorSpace<V> extends VectorSpace<V> {
  /** max_i |a_i| (the infinity norm); NaN when an entry is NaN (a promise as for dot) */
  maxAbs(a: V): number | Promise<number>;
}

/** exact float64 arithmetic on the host (tests, and the optimiser's history for small models) */
export class Float64LbfgsSpace extends Float64VectorSpace implements LbfgsVectorSpace<Float64Array> {
  maxAbs(a: Float64Array): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const t = Math.abs(a[i]);
      if (Number.isNaN(t)) return NaN;
      if (t > m) m = t;
    }
    return m;
  }
}

/**
 * float32 arithmetic on the host, as the paper's JAX code ran L-BFGS (x64 never enabled): vectors
 * are Float32Array and every elementwise result is rounded to float32 (done in float64 and rounded
 * once, which for +, -, * of float32 operands gives the correctly rounded float32 result);
 * axpy rounds the product before the sum (alpha * x + y as two float32 operations, like JAX's
 * `xk + t * pk`). Dot products and norms are accumulated in float64 and rounded to float32 at
 * the end (XLA's own float32 accumulation order cannot be reproduced; the two differ by a few
 * float32 ulps at most).
 */
export class Float32LbfgsSpace implements LbfgsVectorSpace<Float32Array> {
  add(a: Float32Array, b: Float32Array): Float32Array {
    checkSameLength(a, b);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
    return out;
  }

  sub(a: Float32Array, b: Float32Array): Float32Array {
    checkSameLength(a, b);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
    return out;
  }

  scale(a: Float32Array, alpha: number): Float32Array {
    const c = Math.fround(alpha);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = c * a[i];
    return out;
  }

  axpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
    checkSameLength(x, y);
    const c = Math.fround(alpha);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = Math.fround(c * x[i]) + y[i];
    return out;
  }

  linearCombination(coeffs: readonly number[], vs: readonly Float32Array[]): Float32Array {
    if (coeffs.length !== vs.length || vs.length === 0) {
      throw new Error(`linearCombination needs as many coefficients as vectors (at least one); got ${coeffs.length} and ${vs.length}`);
    }
    let out = this.scale(vs[0], coeffs[0]);
    for (let j = 1; j < vs.length; j++) out = this.axpy(coeffs[j], vs[j], out);
    return out;
  }

  clone(a: Float32Array): Float32Array {
    return Float32Array.from(a);
  }

  dot(a: Float32Array, b: Float32Array): number {
    checkSameLength(a, b);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * b[i];
    return Math.fround(s);
  }

  norm(a: Float32Array): number {
    return Math.fround(Math.sqrt(this.dot(a, a)));
  }

  maxAbs(a: Float32Array): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const t = Math.abs(a[i]);
      if (Number.isNaN(t)) return NaN;
      if (t > m) m = t;
    }
    return m;
  }

  length(a: Float32Array): number {
    return a.length;
  }

  dispose(): void {}

  keep(a: Float32Array): Float32Array {
    return a;
  }
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} and ${b.length}`);
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
