import * as tf from '@tensorflow/tfjs-core';
import { paramOffsets, type ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import type { BackwardRecord } from './backward-pass.js';
import type { LossCache } from './layers/loss.js';
import type { ActivationCache } from './layers/activation.js';
import { assertHessianSize } from './hessian.js';

/**
 * The explicit Hessian of a chain of dense layers (input -> dense -> [activation] -> dense -> ...
 * -> dense, the loss on the last), block by block, from the cached forward and backward passes:
 * about a fifth of the arithmetic of n Hessian-vector products, nearly all of it in large matrix
 * products (the batch is their inner dimension).
 *
 * Per row i (the loss weights are inside delta and G), with a~_m = [a_m, 1] the input of dense
 * layer m (a 1 appended for its bias), z_m its output, delta_m = dL/dz_m, W~_m = [W_m; b_m],
 * D_m = diag(phi'(z_m)) (phi the activation after layer m) and
 *   G_m = d2L/dz_m dz_m:   G_last = the loss's Hessian in the outputs,
 *                          G_m = D_m W_{m+1} G_{m+1} W_{m+1}^T D_m + diag(phi''(z_m) * dL/da_m),
 *   C_ml = d delta_m / dz_l = G_m dz_m/dz_l,   X_ml = d a_{m-1} / dz_l   (l <= m),
 * the Hessian's block of W~_l (entries p, q) and W~_m (entries r, s), l <= m, is
 *   sum_i a~_l[p] ( a~_m[r] C_ml[s, q] + delta_m[s] X_ml[r, q] )
 * (X only for l < m, and zero in the bias row r). C and X are walked down from layer m with
 * dz_{l+1}/dz_l = W_{l+1}^T D_l, products with the shared weights. The lower blocks follow by symmetry.
 */

interface DenseLayer {
  node: number;
  /** the node whose value is this layer's input */
  input: number;
  /** the activation node after it, or -1 (none: the last layer, or a linear layer) */
  act: number;
  weight: string;
  /** where W~ = [W; b] starts in the flat vector (the bias follows the weight) */
  offset: number;
  fanIn: number;
  units: number;
  /** rows of W~: fanIn, plus one with a bias */
  rows: number;
}

/** The dense layers of a plain MLP, or null for any other graph (use Hessian-vector products then). */
export function denseChain(spec: ModelSpec): DenseLayer[] | null {
  const nodes = spec.nodes;
  if (nodes.length < 2 || nodes[0].op !== 'input' || spec.inputShape.length !== 1) return null;
  const offsets = paramOffsets(spec);
  const layers: DenseLayer[] = [];
  let expected = 0; // the node the next dense layer must read
  let covered = 0; // parameters accounted for
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.op === 'dense') {
      if (n.input !== expected) return null;
      const w = offsets.get(n.weight);
      if (!w || w.shape.length !== 2 || w.offset !== covered) return null;
      const [fanIn, units] = w.shape;
      covered += w.size;
      if (n.bias !== undefined) {
        const b = offsets.get(n.bias);
        if (!b || b.offset !== covered || b.size !== units) return null;
        covered += b.size;
      }
      layers.push({ node: i, input: n.input, act: -1, weight: n.weight, offset: w.offset, fanIn, units, rows: fanIn + (n.bias === undefined ? 0 : 1) });
      expected = i;
    } else if (n.op === 'activation') {
      const last = layers[layers.length - 1];
      if (!last || n.input !== last.node || last.act !== -1) return null;
      last.act = i;
      expected = i;
    } else {
      return null;
    }
  }
  const last = layers[layers.length - 1];
  if (!last || last.act !== -1 || last.node !== nodes.length - 1 || covered !== totalSize(offsets)) return null;
  return layers;
}

function totalSize(offsets: ReturnType<typeof paramOffsets>): number {
  let total = 0;
  offsets.forEach((o) => (total += o.size));
  return total;
}

/**
 * The Hessian (row-major n x n float64, exactly symmetric) of a dense chain; `layers` from
 * denseChain(spec). Everything is computed from the passes' cached tensors and freed here.
 */
export async function denseChainHessian(
  layers: DenseLayer[], n: number, table: ParamTable, f: ForwardRecord, b: BackwardRecord, loss: LossCache,
): Promise<Float64Array> {
  assertHessianSize(n);
  const out = new Float64Array(n * n);
  // the blocks are kept and read after the tidy: asynchronously, as webgpu can only read so
  const blocks: { lo: DenseLayer; hi: DenseLayer; block: tf.Tensor }[] = [];
  tf.tidy(() => {
    const rows = f.values[0].shape[0] as number;
    const ones = tf.ones([rows, 1]);
    const L = layers.length;
    // transposed for the blocks' products: inputs a~_m^T [rows_m, B] and delta_m^T [u_m, B];
    // slopes phi'(z_m) [B, u_m] (null: no activation)
    const inputsT = layers.map((l) => {
      const a = f.values[l.input] as tf.Tensor2D;
      return tf.transpose(l.rows > l.fanIn ? tf.concat([a, ones], 1) : a);
    });
    const slopes = layers.map((l) => (l.act >= 0 ? activationCache(f, l.act).d1 : null));
    const deltasT = layers.map((l) => tf.transpose(b.nodeGrads[l.node]!));
    // W^T, made once (wasm's matMul with a transposed operand is much slower than a transpose)
    const weightsT = layers.map((l) => tf.transpose(table.value(l.weight)));
    const curvatures = outputCurvatures(layers, weightsT, slopes, f, b, loss, rows);
    for (let m = 0; m < L; m++) {
      const hi = layers[m];
      // walking down from layer m (shared weights: only 2-D products, no per-row matrix products):
      //   C = d delta_m / dz_l as [B, u_m, u_l],      C_mm = G_m,
      //   X = d a_{m-1} / dz_l as [B, fanIn_m, u_l],  X_{m-1,m-1} = D_{m-1},
      // each step multiplying by dz_{l+1}/dz_l = W_{l+1}^T D_l on the right.
      let c = curvatures[m];
      let x: tf.Tensor | null = null;
      for (let l = m; l >= 0; l--) {
        if (l < m) {
          c = downOneLayer(c, weightsT[l + 1], slopes[l], rows);
          x = x === null ? diagonalOf(slopes[l], hi.fanIn, rows) : downOneLayer(x, weightsT[l + 1], slopes[l], rows);
        }
        const block = hessianBlock(layers[l], hi, inputsT[l], inputsT[m], deltasT[m], c, x, rows);
        blocks.push({ lo: layers[l], hi, block: tf.keep(block) });
      }
    }
  });
  try {
    for (const { lo, hi, block } of blocks) writeBlock(out, n, lo, hi, (await block.data()) as Float32Array);
  } finally {
    tf.dispose(blocks.map((x) => x.block));
  }
  return out;
}

/** G_m for every layer, [B, u_m, u_m], from the loss's Hessian down */
function outputCurvatures(
  layers: DenseLayer[], weightsT: tf.Tensor[], slopes: (tf.Tensor | null)[], f: ForwardRecord, b: BackwardRecord, loss: LossCache, rows: number,
): tf.Tensor[] {
  const L = layers.length;
  const out: tf.Tensor[] = new Array(L);
  const c = layers[L - 1].units;
  const w = tf.reshape(loss.weights, [rows, 1, 1]);
  if (loss.kind === 'mse') out[L - 1] = tf.mul(w, tf.reshape(tf.eye(c), [1, c, c]));
  else {
    // softmax cross-entropy: diag(p) - p p^T
    const p = loss.probs!;
    const outer = tf.mul(tf.reshape(p, [rows, c, 1]), tf.reshape(p, [rows, 1, c]));
    out[L - 1] = tf.mul(w, tf.sub(tf.mul(tf.reshape(tf.eye(c), [1, c, c]), tf.reshape(p, [rows, 1, c])), outer));
  }
  for (let m = L - 2; m >= 0; m--) {
    const u = layers[m].units;
    const up = layers[m + 1].units;
    const wT = weightsT[m + 1]; // [u', u]
    // W G W^T per row: G [B*u', u'] W^T -> [B, u', u] -> transpose -> [B*u, u'] W^T -> [B, u, u]
    const gw = tf.reshape(tf.matMul(tf.reshape(out[m + 1], [rows * up, up]) as tf.Tensor2D, wT as tf.Tensor2D), [rows, up, u]);
    let g = tf.reshape(tf.matMul(tf.reshape(tf.transpose(gw, [0, 2, 1]), [rows * u, up]) as tf.Tensor2D, wT as tf.Tensor2D), [rows, u, u]);
    const layer = layers[m];
    if (slopes[m] !== null) {
      const d = slopes[m]!;
      g = tf.mul(g, tf.mul(tf.reshape(d, [rows, u, 1]), tf.reshape(d, [rows, 1, u])));
      const second = activationCache(f, layer.act).d2;
      if (second !== null) {
        const diag = tf.mul(second, b.nodeGrads[layer.act]!); // phi''(z) dL/da
        g = tf.add(g, tf.mul(tf.reshape(tf.eye(u), [1, u, u]), tf.reshape(diag, [rows, 1, u])));
      }
    }
    out[m] = g;
  }
  return out;
}

/** T [B, k, u_{l+1}] -> T W_{l+1}^T D_l as [B, k, u_l], given W_{l+1}^T */
function downOneLayer(t: tf.Tensor, wT: tf.Tensor, slope: tf.Tensor | null, rows: number): tf.Tensor {
  const [units, fanIn] = wT.shape as number[];
  const k = t.shape[1] as number;
  const moved = tf.reshape(tf.matMul(tf.reshape(t, [rows * k, units]) as tf.Tensor2D, wT as tf.Tensor2D), [rows, k, fanIn]);
  return slope === null ? moved : tf.mul(moved, tf.reshape(slope, [rows, 1, fanIn]));
}

/** diag(D) per row as [B, u, u] (D = 1 for a linear layer) */
function diagonalOf(slope: tf.Tensor | null, u: number, rows: number): tf.Tensor {
  const eye = tf.reshape(tf.eye(u), [1, u, u]);
  return slope === null ? tf.tile(eye, [rows, 1, 1]) : tf.mul(eye, tf.reshape(slope, [rows, 1, u]));
}

/**
 * The block of W~_l (rows p, q) and W~_m (rows r, s) as [rows_l * u_l, rows_m * u_m], from the
 * transposed inputs and delta, C [B, s, q] and X [B, r, q] (null for l = m):
 *   sum_i a~_l[p] a~_m[r] C[s, q]   +   sum_i a~_l[p] delta_m[s] X[r, q]
 */
function hessianBlock(
  lo: DenseLayer, hi: DenseLayer, inLoT: tf.Tensor, inHiT: tf.Tensor, deltaT: tf.Tensor, c: tf.Tensor, x: tf.Tensor | null, rows: number,
): tf.Tensor {
  const [P, Q, R, S] = [lo.rows, lo.units, hi.rows, hi.units];
  const outerT = tf.reshape(tf.mul(tf.reshape(inLoT, [P, 1, rows]), tf.reshape(inHiT, [1, R, rows])), [P * R, rows]);
  // [(p, r), (s, q)]
  let block = tf.reshape(tf.matMul(outerT as tf.Tensor2D, tf.reshape(c, [rows, S * Q]) as tf.Tensor2D), [P, R, S, Q]);
  if (x !== null) {
    const adT = tf.reshape(tf.mul(tf.reshape(inLoT, [P, 1, rows]), tf.reshape(deltaT, [1, S, rows])), [P * S, rows]);
    const F = hi.fanIn; // X has no bias row (zero there)
    // [(p, s), (r, q)] -> [p, r, s, q]
    let first = tf.transpose(tf.reshape(tf.matMul(adT as tf.Tensor2D, tf.reshape(x, [rows, F * Q]) as tf.Tensor2D), [P, S, F, Q]), [0, 2, 1, 3]);
    if (R > F) first = tf.pad(first, [[0, 0], [0, R - F], [0, 0], [0, 0]]);
    block = tf.add(block, first);
  }
  // [p, r, s, q] -> [(p, q), (r, s)]
  return tf.reshape(tf.transpose(block, [0, 3, 1, 2]), [P * Q, R * S]);
}

/** the block at (lo, hi) and its transpose at (hi, lo); a diagonal block is symmetrised */
function writeBlock(out: Float64Array, n: number, lo: DenseLayer, hi: DenseLayer, data: Float32Array): void {
  const h = lo.rows * lo.units;
  const w = hi.rows * hi.units;
  if (lo === hi) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j <= i; j++) {
        const v = 0.5 * (data[i * w + j] + data[j * w + i]);
        out[(lo.offset + i) * n + lo.offset + j] = v;
        out[(lo.offset + j) * n + lo.offset + i] = v;
      }
    }
    return;
  }
  for (let i = 0; i < h; i++) {
    const row = (lo.offset + i) * n + hi.offset;
    for (let j = 0; j < w; j++) {
      const v = data[i * w + j];
      out[row + j] = v;
      out[(hi.offset + j) * n + lo.offset + i] = v;
    }
  }
}

/** the cache an activation node kept in the forward pass (its slopes phi'(z) and phi''(z)) */
function activationCache(f: ForwardRecord, node: number): ActivationCache {
  return f.caches[node] as ActivationCache;
}
