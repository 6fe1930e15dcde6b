import type { LossKind } from '../models/loss-spec.js';
import { dualZeros, type DualTensor } from './dual.js';

/**
 * Masked losses in float64 (see loss-spec.ts), with their tangent and their gradient w.r.t. the
 * model output (itself a Dual: the gradient and its tangent).
 *   mse: L = sum_i m_i 0.5 sum_j (y_ij - t_ij)^2 / sum_i m_i
 *   ce : L = sum_i m_i (logsumexp(y_i) - y_i[label_i]) / sum_i m_i
 */
export interface LossResult {
  loss: number;
  /** directional derivative of the loss along the tangent direction */
  lossTangent: number;
  /** dL/dy and its tangent */
  gy: DualTensor;
}

export function lossForwardBackward(
  kind: LossKind, y: DualTensor, targets: ArrayLike<number>, mask: ArrayLike<number>,
): LossResult {
  const [rows, k] = y.shape;
  let weight = 0;
  for (let i = 0; i < rows; i++) weight += mask[i];
  if (!(weight > 0)) throw new Error('loss: the mask selects no rows (sum of mask is 0)');
  const gy = dualZeros([rows, k]);
  let loss = 0;
  let lossTangent = 0;
  for (let i = 0; i < rows; i++) {
    const m = mask[i] / weight;
    const yv = y.v.subarray(i * k, (i + 1) * k);
    const yd = y.d.subarray(i * k, (i + 1) * k);
    if (kind === 'mse') {
      for (let j = 0; j < k; j++) {
        const r = yv[j] - targets[i * k + j];
        loss += m * 0.5 * r * r;
        lossTangent += m * r * yd[j];
        gy.v[i * k + j] = m * r;
        gy.d[i * k + j] = m * yd[j];
      }
    } else {
      const label = targets[i];
      if (!Number.isInteger(label) || label < 0 || label >= k) {
        throw new Error(`loss: label ${label} of row ${i} is not a class index in [0, ${k})`);
      }
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, yv[j]);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(yv[j] - max);
      const lse = max + Math.log(sum);
      const p = Array.from(yv, (v) => Math.exp(v - lse));
      let pDotYd = 0;
      for (let j = 0; j < k; j++) pDotYd += p[j] * yd[j];
      loss += m * (lse - yv[label]);
      lossTangent += m * (pDotYd - yd[label]);
      for (let j = 0; j < k; j++) {
        gy.v[i * k + j] = m * (p[j] - (j === label ? 1 : 0));
        // d softmax = p * (y' - p . y')
        gy.d[i * k + j] = m * p[j] * (yd[j] - pDotYd);
      }
    }
  }
  return { loss, lossTangent, gy };
}
