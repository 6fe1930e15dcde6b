import type { LossKind } from '../../models/loss-spec.js';

/**
 * The losses of layers/loss.ts on the dense-chain engine's output, in float32 arithmetic step for
 * step as the layers compute them (every operation rounded with Math.fround, sums in row order from
 * zero), so that the two engines agree to the last bit where the kernels do (mse; for ce up to the
 * rounding of exp and log, which TensorFlow.js takes from the C library).
 *
 * Arrays are row-major with `ld` floats per row, of which the first `classes` are real outputs.
 */
const f = Math.fround;

/** mask / sum(mask), the per-row weights w_i */
export function rowWeights(mask: Float32Array, out: Float32Array): void {
  let total = 0;
  for (let i = 0; i < mask.length; i++) total = f(total + mask[i]);
  for (let i = 0; i < mask.length; i++) out[i] = f(mask[i] / total);
}

export interface LossInputs {
  kind: LossKind;
  rows: number;
  classes: number;
  ld: number;
  /** outputs y [rows x ld] */
  y: Float32Array;
  /** mse: targets [rows x classes]; ce: class indices [rows] */
  targets: Float32Array;
  /** w_i [rows] */
  weights: Float32Array;
}

/**
 * The weighted loss sum_i w_i loss_i; writes g_y = w (y - t) (mse) or w (p - onehot) (ce) into gy
 * [rows x ld], zero in the padding, and for ce the softmax probabilities into probs [rows x classes].
 */
export function lossAndGradient(o: LossInputs, gy: Float32Array, probs: Float32Array | null): number {
  const { rows, classes, ld, y, targets, weights } = o;
  gy.fill(0, 0, rows * ld);
  let loss = 0;
  if (o.kind === 'mse') {
    for (let i = 0; i < rows; i++) {
      const w = weights[i];
      let sum = 0;
      for (let j = 0; j < classes; j++) {
        const d = f(y[i * ld + j] - targets[i * classes + j]);
        sum = f(sum + f(d * d));
        gy[i * ld + j] = f(d * w);
      }
      loss = f(loss + f(f(0.5 * sum) * w));
    }
    return loss;
  }
  for (let i = 0; i < rows; i++) {
    const w = weights[i];
    const label = targets[i];
    const { rowLoss } = softmaxRow(y, i * ld, classes, label, probs!, i * classes);
    for (let j = 0; j < classes; j++) {
      const p = probs![i * classes + j];
      gy[i * ld + j] = f(f(p - (j === label ? 1 : 0)) * w);
    }
    loss = f(loss + f(rowLoss * w));
  }
  return loss;
}

/**
 * One row of the ce loss as layers/loss.ts computes it: shifted = y - max, lse = log(sum(exp(shifted))),
 * logp = shifted - lse, loss = -sum_j onehot_j logp_j; probabilities exp(logp) into probs (when given).
 */
export function softmaxRow(
  y: Float32Array, at: number, classes: number, label: number, probs: Float32Array | null, pAt: number,
): { rowLoss: number; argmax: number } {
  let max = y[at];
  let argmax = 0;
  for (let j = 1; j < classes; j++) {
    if (y[at + j] > max) {
      max = y[at + j];
      argmax = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < classes; j++) sum = f(sum + f(Math.exp(f(y[at + j] - max))));
  const lse = f(Math.log(sum));
  let picked = 0;
  for (let j = 0; j < classes; j++) {
    const logp = f(f(y[at + j] - max) - lse);
    picked = f(picked + f((j === label ? 1 : 0) * logp));
    if (probs !== null) probs[pAt + j] = f(Math.exp(logp));
  }
  return { rowLoss: -picked, argmax };
}

/** the unweighted loss of one row (evaluation), and for ce the predicted class */
export function rowLoss(kind: LossKind, y: Float32Array, at: number, classes: number, targets: Float32Array, row: number): { loss: number; argmax: number } {
  if (kind === 'mse') {
    let sum = 0;
    for (let j = 0; j < classes; j++) {
      const d = f(y[at + j] - targets[row * classes + j]);
      sum = f(sum + f(d * d));
    }
    return { loss: f(0.5 * sum), argmax: -1 };
  }
  const { rowLoss: loss, argmax } = softmaxRow(y, at, classes, targets[row], null, 0);
  return { loss, argmax };
}

/**
 * R(g_y) from R(y) [rows x ld] into out (zero in the padding): w R(y) (mse), w (p R(y) - p <p, R(y)>) (ce).
 */
export function lossRBackward(
  kind: LossKind, rows: number, classes: number, ld: number, ry: Float32Array, weights: Float32Array, probs: Float32Array | null, out: Float32Array,
): void {
  out.fill(0, 0, rows * ld);
  if (kind === 'mse') {
    for (let i = 0; i < rows; i++) {
      const w = weights[i];
      for (let j = 0; j < classes; j++) out[i * ld + j] = f(ry[i * ld + j] * w);
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const w = weights[i];
    let s = 0;
    for (let j = 0; j < classes; j++) s = f(s + f(probs![i * classes + j] * ry[i * ld + j]));
    for (let j = 0; j < classes; j++) {
      const p = probs![i * classes + j];
      out[i * ld + j] = f(f(f(p * ry[i * ld + j]) - f(p * s)) * w);
    }
  }
}
