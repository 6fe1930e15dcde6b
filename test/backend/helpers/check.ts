import * as tf from '@tensorflow/tfjs-core';

/**
 * First and second derivatives through TensorFlow.js's tape, checked against a float64
 * reference written in plain TypeScript:
 *   gradient:  tf.grad(f)(x)                       vs the analytic float64 gradient g64(x);
 *   HVP:       tf.grad(p => <tf.grad(f)(p), v>)(x)  vs central differences of g64 along v,
 *              (g64(x + h v) - g64(x - h v)) / 2h, whose own error is ~h^2 (1e-10 here).
 * The analytic gradient itself is checked against central differences of the float64 loss.
 * Errors are norm-wise relative: max|got - want| / max|want|.
 */

export interface DerivativeCase {
  name: string;
  x: Float64Array;
  v: Float64Array;
  /** the function through the kernel under test; x arrives as a flat float32 vector */
  tape: (x: tf.Tensor1D) => tf.Scalar;
  loss64: (x: Float64Array) => number;
  grad64: (x: Float64Array) => Float64Array;
}

export interface DerivativeErrors {
  /** analytic float64 gradient vs central differences of the float64 loss */
  reference: number;
  grad: number;
  hvp: number;
}

export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  if (!Number.isFinite(diff)) return Number.POSITIVE_INFINITY;
  return diff / Math.max(scale, 1e-30);
}

function axpy(x: Float64Array, a: number, v: Float64Array): Float64Array {
  return x.map((xi, i) => xi + a * v[i]);
}

export function referenceHvp(grad64: (x: Float64Array) => Float64Array, x: Float64Array, v: Float64Array, h = 1e-5): Float64Array {
  const plus = grad64(axpy(x, h, v));
  const minus = grad64(axpy(x, -h, v));
  return plus.map((p, i) => (p - minus[i]) / (2 * h));
}

export function referenceGradientError(c: DerivativeCase, h = 1e-6): number {
  const g = c.grad64(c.x);
  const fd = new Float64Array(c.x.length);
  for (let i = 0; i < c.x.length; i++) {
    const e = new Float64Array(c.x.length);
    e[i] = 1;
    fd[i] = (c.loss64(axpy(c.x, h, e)) - c.loss64(axpy(c.x, -h, e))) / (2 * h);
  }
  return relativeError(g, fd);
}

/** A float32 vector tensor from any numbers (tf.tensor1d refuses Float64Array). */
export function vec(values: ArrayLike<number>): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(values));
}

/** The float64 numbers nearest to what the float32 tape sees, so both sides use the same point. */
export function asFloat32(values: Float64Array): Float64Array {
  return values.map(Math.fround);
}

/** Reads a tensor and frees it: asynchronously, as every backend allows (webgpu has no dataSync in Node). */
export async function readAndDispose(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

export function tapeGradient(f: (x: tf.Tensor1D) => tf.Scalar, x: Float64Array): Promise<Float32Array> {
  return readAndDispose(tf.tidy(() => tf.grad((p: tf.Tensor) => f(p as tf.Tensor1D))(vec(x))));
}

export function tapeHvp(f: (x: tf.Tensor1D) => tf.Scalar, x: Float64Array, v: Float64Array): Promise<Float32Array> {
  return readAndDispose(
    tf.tidy(() => {
      const vt = vec(v);
      const gradOf = tf.grad((p: tf.Tensor) => f(p as tf.Tensor1D));
      return tf.grad((p: tf.Tensor) => tf.sum(tf.mul(gradOf(p), vt)))(vec(x));
    }),
  );
}

export async function derivativeErrors(c: DerivativeCase): Promise<DerivativeErrors> {
  const x = asFloat32(c.x);
  const v = asFloat32(c.v);
  return {
    reference: referenceGradientError({ ...c, x }),
    grad: relativeError(await tapeGradient(c.tape, x), c.grad64(x)),
    hvp: relativeError(await tapeHvp(c.tape, x, v), referenceHvp(c.grad64, x, v)),
  };
}

/** Deterministic uniform numbers in [lo, hi) (mulberry32). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

export const BACKENDS = ['cpu', 'wasm'] as const;

/** The backends the kernel-gradient tests run on: webgpu too, where it can be had (helpers/webgpu.ts). */
export const GRADIENT_BACKENDS = [...BACKENDS, 'webgpu'] as const;
