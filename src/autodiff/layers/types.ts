import * as tf from '@tensorflow/tfjs-core';

/**
 * Conventions of the hand-written Pearlmutter R-operator pass:
 *  - a forward value has the layer's shape, e.g. [B, H, W, C];
 *  - a tangent R(.) or R(grad) carries a leading direction axis: [K, B, H, W, C] (K directions at once);
 *    null means an identically zero tangent (e.g. of the input data);
 *  - parameter directions are [K, ...paramShape], parameter curvature products likewise.
 * All formulas are derived in the comments of each layer; every product is proven against the
 * float64 reference in test/autodiff.
 */
export type Tangent = tf.Tensor | null;

export interface ParamAccess {
  /** current value of a parameter */
  value(name: string): tf.Tensor;
  /** direction for a parameter, [K, ...shape] */
  direction(name: string): tf.Tensor;
  /** accumulate into the gradient (or curvature product) of a parameter */
  accumulate(name: string, t: tf.Tensor): void;
  /** whether this pass wants the gradient of a parameter (a pass for layer statistics may want none) */
  wants(name: string): boolean;
  /** number of directions */
  readonly k: number;
}

export function addTangents(a: Tangent, b: Tangent): Tangent {
  if (a === null) return b;
  if (b === null) return a;
  return tf.add(a, b);
}

/** [K, B, ...rest] -> [K*B, ...rest] */
export function mergeK(t: tf.Tensor): tf.Tensor {
  return tf.reshape(t, [(t.shape[0] as number) * (t.shape[1] as number), ...t.shape.slice(2)]);
}

/** [K*B, ...rest] -> [K, B, ...rest] */
export function splitK(t: tf.Tensor, k: number): tf.Tensor {
  return tf.reshape(t, [k, (t.shape[0] as number) / k, ...t.shape.slice(1)]);
}
