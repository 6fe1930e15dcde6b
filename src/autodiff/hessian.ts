import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from './objective.js';

/** the largest parameter count for an explicit Hessian (n^2 doubles: 3.2 GB at the limit) */
export const HESSIAN_SIZE_LIMIT = 20000;

export function assertHessianSize(n: number): void {
  if (n > HESSIAN_SIZE_LIMIT) throw new Error(`hessian(): ${n} parameters is too many for an explicit Hessian (limit ${HESSIAN_SIZE_LIMIT}); use hvp()`);
}

/**
 * The explicit Hessian from batched Hessian-vector products with identity columns, `chunk`
 * directions per pass, returned in float64 (row-major). It is not symmetrised: callers can
 * measure the asymmetry as an estimate of the float32 error.
 */
export async function hessianByBatches(objective: Objective, chunk: number): Promise<Float64Array> {
  const n = objective.size;
  assertHessianSize(n);
  const out = new Float64Array(n * n);
  for (let start = 0; start < n; start += chunk) {
    const k = Math.min(chunk, n - start);
    const block = tf.tidy(() => {
      const eye = tf.cast(tf.oneHot(tf.range(start, start + k, 1, 'int32'), n), 'float32') as tf.Tensor2D;
      return objective.hvpBatch(eye);
    });
    const data = await block.data();
    block.dispose();
    out.set(data, start * n); // row i of H is H e_i (H symmetric)
  }
  return out;
}
