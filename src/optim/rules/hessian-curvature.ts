import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import type { DotAccumulation } from '../series/index.js';
import { dotProducts } from '../series-space.js';
import type { CurvatureModel } from './types.js';

/**
 * The curvature of the quadratic model from the Objective's Hessian-vector products (K = H, no
 * damping): one product for one vector, one batched R-pass for several.
 */
export function hessianCurvature(objective: Objective, mode: DotAccumulation): CurvatureModel {
  return {
    includesDamping: false,
    async gram(vectors) {
      const gram = await gramOfProducts(vectors, (v) => objective.hvp(v), (vs) => objective.hvpBatch(vs), mode);
      return { gram, hvps: vectors.length };
    },
  };
}

/**
 * G_ij = v_i . (K v_j) from a curvature operator given as a single and a batched product.
 * Off-diagonal entries are the mean of v_i.(K v_j) and v_j.(K v_i): float32 products are not
 * exactly symmetric.
 */
export async function gramOfProducts(
  vectors: readonly tf.Tensor1D[],
  single: (v: tf.Tensor1D) => tf.Tensor1D,
  batch: (vs: tf.Tensor2D) => tf.Tensor2D,
  mode: DotAccumulation,
): Promise<number[][]> {
  const k = vectors.length;
  const products =
    k === 1 ? [single(vectors[0])] : tf.tidy(() => tf.unstack(batch(tf.stack(vectors as tf.Tensor1D[]) as tf.Tensor2D)) as tf.Tensor1D[]);
  try {
    const pairs: [tf.Tensor1D, tf.Tensor1D][] = [];
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) pairs.push([vectors[i], products[j]]);
    const dots = await dotProducts(pairs, mode);
    const at = (i: number, j: number) => dots[i * k + j];
    return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? at(i, i) : 0.5 * (at(i, j) + at(j, i)))));
  } finally {
    tf.dispose(products);
  }
}
