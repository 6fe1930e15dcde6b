import * as tf from '@tensorflow/tfjs-core';
import type { ModelDef } from '../../../../src/models/zoo.js';
import type { LayerNode } from '../../../../src/models/spec.js';
import type { PlainBatch } from '../../../../src/check/problem.js';
import { ParamTable } from '../../../../src/autodiff/param-table.js';
import { predict } from '../../../../src/autodiff/forward-pass.js';
import { rowLosses } from '../../../../src/autodiff/layers/loss.js';
import { sampleTargets } from '../../../../src/autodiff/fisher-sampling.js';
import { matmul, Net64, softmax64, type Forward64 } from './net64.js';

/**
 * KFAC's statistics by brute force in float64, from the definitions (kfac-jax's curvature blocks):
 * per-example gradients of -log p(t_n) (p - onehot for cross-entropy, 2 (y - t) for kfac-jax's
 * squared-error Normal of variance 0.5), padding rows excluded, averages over the N real rows.
 */
export type Stat64 =
  | { kind: 'kron'; node: number; a: Float64Array; g: Float64Array; dA: number; dG: number }
  | { kind: 'diag'; node: number; diags: Float64Array[] };

/** the targets the engine draws for `seed` (same ops on the same outputs) */
export function engineSampledTargets(def: ModelDef, params: Float32Array, batch: PlainBatch, seed: number): Float32Array {
  const table = new ParamTable(def.spec, tf.tensor1d(params));
  try {
    return tf.tidy(() => {
      const x = tf.tensor(batch.x, [batch.batchSize, ...def.spec.inputShape]);
      const out = predict(def.spec, table, x);
      const dummy = def.loss === 'mse' ? tf.zerosLike(out) : tf.zeros([batch.batchSize]);
      const probs = rowLosses(def.loss, out, dummy).probs;
      return sampleTargets(def.loss, out, probs, seed).dataSync() as Float32Array;
    });
  } finally {
    table.dispose();
  }
}

/** per-row output gradients of the registered negative log-likelihood, times the mask */
export function nllGradient64(def: ModelDef, out: { shape: number[]; data: Float64Array }, targets: ArrayLike<number>, mask: ArrayLike<number>): Float64Array {
  const [b, c] = out.shape;
  const g = new Float64Array(b * c);
  const p = def.loss === 'ce' ? softmax64(out) : null;
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < c; j++) {
      const v = def.loss === 'ce' ? p![r * c + j] - (targets[r] === j ? 1 : 0) : 2 * (out.data[r * c + j] - targets[r * c + j]);
      g[r * c + j] = v * mask[r];
    }
  }
  return g;
}

function outer(rows: Float64Array, n: number, d: number, scale: number): Float64Array {
  const m = matmul(rows, rows, d, n, d, true);
  return m.map((v) => v * scale);
}

/** every block's statistics of one batch with the given targets */
export function bruteForceStatistics(def: ModelDef, params: ArrayLike<number>, batch: PlainBatch, targets: ArrayLike<number>): { stats: Stat64[]; net: Net64; f: Forward64 } {
  const net = new Net64(def.spec, params);
  const f = net.forward(batch.x, batch.batchSize);
  const out = f.values[f.values.length - 1];
  const { nodeGrads } = net.backward(f, nllGradient64(def, out, targets, batch.mask));
  const mask = batch.mask;
  const count = Array.from(mask).reduce((a, b) => a + b, 0);
  const stats: Stat64[] = [];
  def.spec.nodes.forEach((n: LayerNode, i) => {
    const g = nodeGrads[i]!;
    if (n.op === 'dense' || n.op === 'conv2d') {
      const bias = n.bias !== undefined;
      // rows: one per example (dense) or per example and location (conv), each with its example's mask
      const src = n.op === 'dense' ? f.values[n.input] : f.patches[i]!;
      const b = src.shape[0];
      const d = src.data.length / src.shape.slice(0, -1).reduce((x, y) => x * y, 1);
      const rows = src.data.length / d;
      const perExample = rows / b;
      const dA = d + (bias ? 1 : 0);
      const xt = new Float64Array(rows * dA);
      for (let r = 0; r < rows; r++) {
        const m = mask[Math.floor(r / perExample)];
        for (let k = 0; k < d; k++) xt[r * dA + k] = m * src.data[r * d + k];
        if (bias) xt[r * dA + d] = m;
      }
      const dG = g.shape[g.shape.length - 1];
      stats.push({
        kind: 'kron', node: i, dA, dG,
        a: outer(xt, rows, dA, 1 / count),
        g: outer(g.data, rows, dG, 1 / (count * perExample)),
      });
    } else if (n.op === 'batchnorm') {
      const xh = f.bn[i]!.xh;
      const c = g.shape[g.shape.length - 1];
      const b = g.shape[0];
      const positions = g.data.length / (b * c);
      const dScale = new Float64Array(b * c);
      const dShift = new Float64Array(b * c);
      for (let q = 0; q < g.data.length; q++) {
        const e = Math.floor(q / (positions * c));
        dScale[e * c + (q % c)] += xh[q] * g.data[q];
        dShift[e * c + (q % c)] += g.data[q];
      }
      const diag = (d: Float64Array) => {
        const out = new Float64Array(c);
        for (let q = 0; q < d.length; q++) out[q % c] += (d[q] * d[q]) / count;
        return out;
      };
      stats.push({ kind: 'diag', node: i, diags: [diag(dScale), diag(dShift)] });
    }
  });
  return { stats, net, f };
}

/** ||a - b|| / ||b|| */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** float64 Gauss-Jordan inverse of a small n x n matrix (row-major) */
export function inverse64(m: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let k = 0; k < n; k++) {
      [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
      [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
    }
    const d = a[c * n + c];
    for (let k = 0; k < n; k++) {
      a[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return inv;
}

/** kfac-jax's pi-adjusted inverses in float64, from the definitions (general case: both factors larger than 1x1) */
export function piInverses64(a: Float64Array, dA: number, g: Float64Array, dG: number, damping: number): { aInv: Float64Array; gInv: Float64Array } {
  let trA = 0;
  let trG = 0;
  for (let i = 0; i < dA; i++) trA += a[i * dA + i];
  for (let i = 0; i < dG; i++) trG += g[i * dG + i];
  const scale = trA * trG;
  const damped = (m: Float64Array, d: number, tr: number, eps: number) => {
    const out = m.map((v) => v / tr);
    for (let i = 0; i < d; i++) out[i * d + i] += eps;
    return out;
  };
  if (dG === 1) {
    return { aInv: inverse64(damped(a, dA, trA, damping / scale), dA), gInv: Float64Array.of(1 / scale) };
  }
  const aInv = inverse64(damped(a, dA, trA, Math.sqrt((damping * dG) / (scale * dA))), dA).map((v) => v / Math.sqrt(scale));
  const gInv = inverse64(damped(g, dG, trG, Math.sqrt((damping * dA) / (scale * dG))), dG).map((v) => v / Math.sqrt(scale));
  return { aInv, gInv };
}
