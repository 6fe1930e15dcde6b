import type { VectorSpace } from './vector-space.js';
import { checkSameLength, hostDot, hostScaledNorm } from './host-vector-ops.js';

const f = Math.fround;

/**
 * VectorSpace over host Float32Arrays with float32 arithmetic: every entry rounded as TfVectorSpace's
 * float32 tensor operations round it (scalars first rounded to float32, as tf.scalar does; sums of a
 * linear combination in order), so a series run here gives the same bits as on the backend, with
 * dot products and norms accumulated in float64 exactly as TfVectorSpace's 'float64' mode does. For
 * small models whose Objective computes H v on host vectors (the dense-chain engine): each operation
 * is a loop over a few thousand floats instead of a backend kernel with its bookkeeping and a
 * device read per dot product.
 */
export class Float32VectorSpace implements VectorSpace<Float32Array> {
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
    const s = f(alpha);
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] * s;
    return out;
  }

  axpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
    checkSameLength(x, y);
    const s = f(alpha);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i] * s) + y[i];
    return out;
  }

  linearCombination(coeffs: readonly number[], vs: readonly Float32Array[]): Float32Array {
    if (coeffs.length !== vs.length || vs.length === 0) {
      throw new Error(`linearCombination needs as many coefficients as vectors (at least one); got ${coeffs.length} and ${vs.length}`);
    }
    const out = this.scale(vs[0], coeffs[0]);
    for (let j = 1; j < vs.length; j++) {
      const v = vs[j];
      checkSameLength(out, v);
      const c = f(coeffs[j]);
      for (let i = 0; i < out.length; i++) out[i] = out[i] + f(v[i] * c);
    }
    return out;
  }

  clone(a: Float32Array): Float32Array {
    return Float32Array.from(a);
  }

  dot(a: Float32Array, b: Float32Array): number {
    return hostDot(a, b);
  }

  norm(a: Float32Array): number {
    return hostScaledNorm(a);
  }

  length(a: Float32Array): number {
    return a.length;
  }

  dispose(): void {}

  keep(a: Float32Array): Float32Array {
    return a;
  }
}
