import type { VectorSpace } from './vector-space.js';
import { checkSameLength, hostDot, hostScaledNorm } from './host-vector-ops.js';

/** VectorSpace over plain Float64Array: exact float64 reference arithmetic. */
export class Float64VectorSpace implements VectorSpace<Float64Array> {
  add(a: Float64Array, b: Float64Array): Float64Array {
    checkSameLength(a, b);
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
    return out;
  }

  sub(a: Float64Array, b: Float64Array): Float64Array {
    checkSameLength(a, b);
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
    return out;
  }

  scale(a: Float64Array, alpha: number): Float64Array {
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = alpha * a[i];
    return out;
  }

  axpy(alpha: number, x: Float64Array, y: Float64Array): Float64Array {
    checkSameLength(x, y);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = alpha * x[i] + y[i];
    return out;
  }

  linearCombination(coeffs: readonly number[], vs: readonly Float64Array[]): Float64Array {
    if (coeffs.length !== vs.length || vs.length === 0) {
      throw new Error(`linearCombination needs as many coefficients as vectors (at least one); got ${coeffs.length} and ${vs.length}`);
    }
    const out = new Float64Array(vs[0].length);
    for (let j = 0; j < vs.length; j++) {
      const v = vs[j];
      checkSameLength(out, v);
      const c = coeffs[j];
      for (let i = 0; i < out.length; i++) out[i] += c * v[i];
    }
    return out;
  }

  clone(a: Float64Array): Float64Array {
    return Float64Array.from(a);
  }

  dot(a: Float64Array, b: Float64Array): number {
    return hostDot(a, b);
  }

  norm(a: Float64Array): number {
    return hostScaledNorm(a);
  }

  length(a: Float64Array): number {
    return a.length;
  }

  dispose(): void {
    // garbage collected
  }

  keep(a: Float64Array): Float64Array {
    return a;
  }
}
