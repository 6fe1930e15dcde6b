import * as tf from '@tensorflow/tfjs-core';
import type { VectorSpace } from './vector-space.js';
import { hostDot, hostScaledNorm } from './host-vector-ops.js';

/**
 * How dot products and norms are reduced: 'float64' downloads the operands and accumulates in
 * float64 on the host (accurate for 11M-entry vectors; NaN and Inf propagate); 'backend' reduces on
 * the device in whatever precision the backend uses and downloads one number.
 */
export type DotAccumulation = 'float64' | 'backend';

/**
 * VectorSpace over flat float32 tf.Tensor1D. Each method creates exactly one tensor (its result)
 * and frees its intermediates, so a caller that disposes what it receives leaks nothing.
 * Scalars arrive as float64 numbers and are rounded to float32 only where they touch a tensor.
 */
export class TfVectorSpace implements VectorSpace<tf.Tensor1D> {
  constructor(private readonly dotAccumulation: DotAccumulation = 'float64') {}

  add(a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor1D {
    return tf.add(a, b);
  }

  sub(a: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor1D {
    return tf.sub(a, b);
  }

  scale(a: tf.Tensor1D, alpha: number): tf.Tensor1D {
    return tf.tidy(() => tf.mul(a, tf.scalar(alpha, 'float32')));
  }

  axpy(alpha: number, x: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => tf.add(tf.mul(x, tf.scalar(alpha, 'float32')), y));
  }

  linearCombination(coeffs: readonly number[], vs: readonly tf.Tensor1D[]): tf.Tensor1D {
    if (coeffs.length !== vs.length || vs.length === 0) {
      throw new Error(`linearCombination needs as many coefficients as vectors (at least one); got ${coeffs.length} and ${vs.length}`);
    }
    return tf.tidy(() => {
      const terms = vs.map((v, j) => tf.mul<tf.Tensor1D>(v, tf.scalar(coeffs[j], 'float32')));
      return terms.length === 1 ? terms[0] : tf.addN<tf.Tensor1D>(terms);
    });
  }

  clone(a: tf.Tensor1D): tf.Tensor1D {
    return tf.clone(a);
  }

  async dot(a: tf.Tensor1D, b: tf.Tensor1D): Promise<number> {
    if (a.size !== b.size) throw new Error(`vector lengths differ: ${a.size} vs ${b.size}`);
    if (this.dotAccumulation === 'backend') {
      return readScalar(tf.tidy(() => tf.sum(tf.mul(a, b))));
    }
    // products of float32 values are exact in float64, so only the float64 summation rounds
    const [x, y] = await Promise.all(a === b ? [a.data(), undefined] : [a.data(), b.data()]);
    return hostDot(x, y ?? x);
  }

  async norm(a: tf.Tensor1D): Promise<number> {
    if (this.dotAccumulation === 'backend') {
      return Math.sqrt(await readScalar(tf.tidy(() => tf.sum(tf.square(a)))));
    }
    return hostScaledNorm(await a.data());
  }

  length(a: tf.Tensor1D): number {
    return a.size;
  }

  dispose(a: tf.Tensor1D): void {
    a.dispose();
  }

  keep(a: tf.Tensor1D): tf.Tensor1D {
    return tf.keep(a);
  }
}

/** the value of a one-element tensor, which is then freed */
async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}
