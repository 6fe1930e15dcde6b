import type { KernelWorkspace } from './dense-kernel.js';
import { KERNEL_ACTIVATIONS, type ChainLayout } from './chain-layout.js';
import { lossAndGradient, lossRBackward, rowLoss, rowWeights } from './chain-loss.js';

/**
 * The passes of the curvature engine for a chain of dense layers, in the dense-chain kernel's memory:
 * the forward pass, the backward pass and the R-operator passes of layers/dense.ts,
 * layers/activation.ts and layers/loss.ts, formula for formula and in the same order of operations
 * (each matrix product summed over its inner index from zero or the bias; each elementwise step
 * rounded as there), so that it reproduces their float32 results; see the comments of those modules
 * for the derivations. What differs is the cost: one WebAssembly call per product instead of a
 * TensorFlow.js kernel with its bookkeeping (a UCI MLP gradient is ~60 kernels), no transposes of the
 * activations (the products with A^T read A in place), and the widths padded with zero units to
 * multiples of 4 for SIMD.
 *
 * Per layer m with input a (the batch for m = 0) and output z:
 *   forward     z = a W + b, y = f(z) with f' and f'' as the activation layer keeps them
 *   backward    g_W = a^T g_z, g_b = colsum g_z, g_a = g_z W^T, g_z(prev) = f'(prev) g_a
 *   R forward   R(z) = a V_W + R(a) W + V_b, R(y) = f' R(z)
 *   R backward  R(g_W) = a^T R(g_z) + R(a)^T g_z, R(g_b) = colsum R(g_z),
 *               R(g_a) = g_z V_W^T + R(g_z) W^T, R(g_z)(prev) = f' R(g_a) + (f'' g_a) R(z)(prev)
 */

/** the batch in kernel memory (inputs, padded) and on the host (targets, row weights) */
export class ChainBatch {
  readonly x: number;
  readonly weights: Float32Array;

  constructor(ws: KernelWorkspace, layout: ChainLayout, x: Float32Array, readonly targets: Float32Array, mask: Float32Array, readonly rows: number) {
    const inW = layout.layers[0].inW;
    this.x = ws.alloc(rows * inW);
    putRows(ws, this.x, inW, x, layout.inputSize, rows);
    this.weights = new Float32Array(rows);
    rowWeights(mask, this.weights);
  }
}

/** writes `rows` rows of `width` floats (host, packed) into kernel memory at `at` with `ld` floats per row, zero-padded */
export function putRows(ws: KernelWorkspace, at: number, ld: number, data: Float32Array, width: number, rows: number): void {
  if (ld === width) {
    ws.f32.set(data.subarray(0, rows * width), at >> 2);
    return;
  }
  const scratch = ws.mark();
  const flat = ws.alloc(rows * width);
  ws.f32.set(data.subarray(0, rows * width), flat >> 2);
  ws.f32.fill(0, at >> 2, (at >> 2) + rows * ld);
  ws.k.copy2d(flat, width, at, ld, rows, width);
  ws.release(scratch);
}

/** padded weights and biases of every layer, from `count` flat vectors at byte offset `flat` (one per direction) */
class PaddedParams {
  readonly w: number[][];
  readonly b: number[][];

  constructor(private readonly ws: KernelWorkspace, private readonly layout: ChainLayout, readonly count: number) {
    this.w = layout.layers.map(() => []);
    this.b = layout.layers.map(() => []);
    for (let d = 0; d < count; d++) {
      layout.layers.forEach((l, m) => {
        this.w[m].push(ws.alloc(l.inW * l.outW));
        this.b[m].push(l.bias === undefined ? 0 : ws.alloc(l.outW));
      });
    }
  }

  /** unpacks flat vectors [count x size] at byte offset `flat` into the padded layouts */
  load(flat: number): void {
    const { ws, layout } = this;
    const f32 = ws.f32;
    for (let d = 0; d < this.count; d++) {
      const base = flat + 4 * d * layout.size;
      layout.layers.forEach((l, m) => {
        const w = this.w[m][d];
        if (l.inW !== l.fanIn || l.outW !== l.units) f32.fill(0, w >> 2, (w >> 2) + l.inW * l.outW);
        ws.k.copy2d(base + 4 * l.wFlat, l.units, w, l.outW, l.fanIn, l.units);
        const b = this.b[m][d];
        if (b !== 0) {
          f32.fill(0, b >> 2, (b >> 2) + l.outW);
          ws.k.copy2d(base + 4 * l.bFlat, l.units, b, l.outW, 1, l.units);
        }
      });
    }
  }
}

interface LayerForward {
  /** output before the activation (R(z) needs it only through f', so it is kept only without one) */
  z: number;
  /** output after the activation (z itself without one) */
  y: number;
  d1: number;
  d2: number;
}

export class ChainPasses {
  private readonly params: PaddedParams;
  private readonly flatParams: number;
  private fwd: LayerForward[] | null = null;
  private lossValue = NaN;
  private gy = 0;
  private probs: Float32Array | null = null;
  /** gradient w.r.t. each layer's output z (g_z), and f''(prev) g_a of the activation before it */
  private gz: number[] = [];
  private d2ga: number[] = [];
  private wT: number[] = [];
  private gradFlat = 0;

  constructor(private readonly ws: KernelWorkspace, private readonly layout: ChainLayout, private readonly batch: ChainBatch, params: Float32Array) {
    this.flatParams = ws.alloc(layout.size);
    ws.f32.set(params.subarray(0, layout.size), this.flatParams >> 2);
    this.params = new PaddedParams(ws, layout, 1);
    this.params.load(this.flatParams);
  }

  private input(m: number): number {
    return m === 0 ? this.batch.x : this.fwd![m - 1].y;
  }

  /** the forward pass and the loss (cached) */
  loss(): number {
    if (this.fwd !== null) return this.lossValue;
    const { ws, layout, batch } = this;
    const rows = batch.rows;
    const k = ws.k;
    this.fwd = [];
    layout.layers.forEach((l, m) => {
      const z = ws.alloc(rows * l.outW);
      k.gemm_nn(this.input(m), l.inW, this.params.w[m][0], l.outW, z, l.outW, rows, l.inW, l.outW, this.params.b[m][0]);
      if (l.act === null) {
        this.fwd!.push({ z, y: z, d1: 0, d2: 0 });
        return;
      }
      const y = ws.alloc(rows * l.outW);
      const d1 = ws.alloc(rows * l.outW);
      const d2 = l.act === 'relu' ? 0 : ws.alloc(rows * l.outW);
      k.activation(KERNEL_ACTIVATIONS[l.act], z, y, d1, d2, rows * l.outW);
      this.fwd!.push({ z, y, d1, d2 });
    });
    const last = layout.layers[layout.layers.length - 1];
    this.gy = ws.alloc(rows * last.outW);
    if (layout.loss === 'ce') this.probs = new Float32Array(rows * layout.outputs);
    const f32 = ws.f32;
    const out = this.fwd[this.fwd.length - 1].y;
    this.lossValue = lossAndGradient(
      {
        kind: layout.loss, rows, classes: layout.outputs, ld: last.outW,
        y: f32.subarray(out >> 2, (out >> 2) + rows * last.outW), targets: batch.targets, weights: batch.weights,
      },
      f32.subarray(this.gy >> 2, (this.gy >> 2) + rows * last.outW),
      this.probs,
    );
    return this.lossValue;
  }

  /** W^T of layer m (for the products with g_z), made once */
  private weightT(m: number): number {
    if (this.wT[m] === undefined) {
      const l = this.layout.layers[m];
      this.wT[m] = this.ws.alloc(l.outW * l.inW);
      this.ws.k.transpose(this.params.w[m][0], l.outW, this.wT[m], l.inW, l.inW, l.outW);
    }
    return this.wT[m];
  }

  /** the backward pass (cached); the gradient as a flat vector [size] in kernel memory, returned as a copy */
  gradient(): Float32Array {
    if (this.gradFlat === 0) this.backward();
    return this.ws.f32.slice(this.gradFlat >> 2, (this.gradFlat >> 2) + this.layout.size);
  }

  private backward(): void {
    this.loss();
    const { ws, layout, batch } = this;
    const rows = batch.rows;
    const k = ws.k;
    const L = layout.layers.length;
    this.gradFlat = ws.alloc(layout.size);
    const gW = ws.alloc(Math.max(...layout.layers.map((l) => l.inW * l.outW)));
    const gb = ws.alloc(Math.max(...layout.layers.map((l) => l.outW)));
    this.gz[L - 1] = this.gy;
    for (let m = L - 1; m >= 0; m--) {
      const l = layout.layers[m];
      const gz = this.gz[m];
      k.gemm_tn(this.input(m), l.inW, gz, l.outW, gW, l.outW, l.inW, rows, l.outW);
      this.store(gW, gb, gz, m, this.gradFlat);
      if (m === 0) break;
      const prev = layout.layers[m - 1];
      const f = this.fwd![m - 1];
      const ga = ws.alloc(rows * prev.outW);
      k.gemm_nn(gz, l.outW, this.weightT(m), l.inW, ga, l.inW, rows, l.outW, l.inW, 0);
      if (prev.act === null) {
        this.gz[m - 1] = ga;
        continue;
      }
      const gzPrev = ws.alloc(rows * prev.outW);
      k.mul(f.d1, ga, gzPrev, rows * prev.outW);
      this.gz[m - 1] = gzPrev;
      if (f.d2 !== 0) {
        this.d2ga[m - 1] = ws.alloc(rows * prev.outW);
        k.mul(f.d2, ga, this.d2ga[m - 1], rows * prev.outW);
      }
    }
  }

  /** writes layer m's weight product (padded, at w) and its bias product (colsum of g at gb) into a flat vector */
  private store(w: number, gb: number, g: number, m: number, flat: number): void {
    const l = this.layout.layers[m];
    const k = this.ws.k;
    k.copy2d(w, l.outW, flat + 4 * l.wFlat, l.units, l.fanIn, l.units);
    if (l.bias !== undefined) {
      k.colsum(g, l.outW, this.batch.rows, l.outW, gb);
      k.copy2d(gb, l.outW, flat + 4 * l.bFlat, l.units, 1, l.units);
    }
  }

  /** buffers of one direction's R-operator passes, made on the first product and reused */
  private scratch: HvpScratch | null = null;

  private hvpScratch(): HvpScratch {
    if (this.scratch !== null) return this.scratch;
    const { ws, layout } = this;
    const rows = this.batch.rows;
    const widest = Math.max(...layout.layers.map((l) => l.outW), layout.layers[0].inW);
    const weights = Math.max(...layout.layers.map((l) => l.inW * l.outW));
    this.scratch = {
      flatIn: ws.alloc(layout.size),
      flatOut: ws.alloc(layout.size),
      dirs: new PaddedParams(ws, layout, 1),
      rz: layout.layers.map((l) => ws.alloc(rows * l.outW)),
      ry: layout.layers.map((l) => (l.act === null ? 0 : ws.alloc(rows * l.outW))),
      t1: ws.alloc(rows * widest),
      t2: ws.alloc(rows * widest),
      rg: [ws.alloc(rows * widest), ws.alloc(rows * widest)],
      pW: ws.alloc(weights),
      pW2: ws.alloc(weights),
      pb: ws.alloc(widest),
      vT: ws.alloc(weights),
    };
    return this.scratch;
  }

  /**
   * H v for `count` directions vs [count x size] (row-major, host); returns [count x size]. Reuses
   * the forward and backward passes, one direction at a time.
   */
  hvp(vs: Float32Array, count: number): Float32Array {
    if (this.gradFlat === 0) this.backward();
    const { ws, layout, batch } = this;
    const size = layout.size;
    const rows = batch.rows;
    const k = ws.k;
    const L = layout.layers.length;
    const last = layout.layers[L - 1];
    const s = this.hvpScratch();
    const out = new Float32Array(count * size);
    const rOut = (m: number) => (layout.layers[m].act === null ? s.rz[m] : s.ry[m]);
    for (let d = 0; d < count; d++) {
      ws.f32.set(vs.subarray(d * size, (d + 1) * size), s.flatIn >> 2);
      s.dirs.load(s.flatIn);
      const vw = s.dirs.w;
      const vb = s.dirs.b;
      // forward mode: R(z) = a V_W + R(a) W + V_b, R(y) = f' R(z)
      for (let m = 0; m < L; m++) {
        const l = layout.layers[m];
        const n = rows * l.outW;
        if (m === 0) {
          k.gemm_nn(this.input(0), l.inW, vw[m][0], l.outW, s.rz[m], l.outW, rows, l.inW, l.outW, 0);
        } else {
          k.gemm_nn(this.input(m), l.inW, vw[m][0], l.outW, s.t1, l.outW, rows, l.inW, l.outW, 0);
          k.gemm_nn(rOut(m - 1), l.inW, this.params.w[m][0], l.outW, s.t2, l.outW, rows, l.inW, l.outW, 0);
          k.add(s.t1, s.t2, s.rz[m], n);
        }
        if (vb[m][0] !== 0) k.add_row(s.rz[m], l.outW, rows, l.outW, vb[m][0]);
        if (l.act !== null) k.mul(this.fwd![m].d1, s.rz[m], s.ry[m], n);
      }
      // the loss: R(g_y)
      const f32 = ws.f32;
      const outR = rOut(L - 1);
      let g = s.rg[0];
      let gNext = s.rg[1];
      lossRBackward(
        layout.loss, rows, layout.outputs, last.outW, f32.subarray(outR >> 2, (outR >> 2) + rows * last.outW),
        batch.weights, this.probs, f32.subarray(g >> 2, (g >> 2) + rows * last.outW),
      );
      // the reverse pass of the pair
      for (let m = L - 1; m >= 0; m--) {
        const l = layout.layers[m];
        // R(g_W) = a^T R(g_z) + R(a)^T g_z, R(g_b) = colsum R(g_z)
        k.gemm_tn(this.input(m), l.inW, g, l.outW, s.pW, l.outW, l.inW, rows, l.outW);
        if (m > 0) {
          k.gemm_tn(rOut(m - 1), l.inW, this.gz[m], l.outW, s.pW2, l.outW, l.inW, rows, l.outW);
          k.add(s.pW, s.pW2, s.pW, l.inW * l.outW);
        }
        this.store(s.pW, s.pb, g, m, s.flatOut);
        if (m === 0) break;
        // R(g_a) = g_z V_W^T + R(g_z) W^T, then through the activation before
        const prev = layout.layers[m - 1];
        const n = rows * prev.outW;
        k.transpose(vw[m][0], l.outW, s.vT, l.inW, l.inW, l.outW);
        k.gemm_nn(this.gz[m], l.outW, s.vT, l.inW, s.t1, l.inW, rows, l.outW, l.inW, 0);
        k.gemm_nn(g, l.outW, this.weightT(m), l.inW, s.t2, l.inW, rows, l.outW, l.inW, 0);
        if (prev.act === null) k.add(s.t1, s.t2, gNext, n);
        else {
          k.add(s.t1, s.t2, s.t1, n);
          const f = this.fwd![m - 1];
          if (f.d2 === 0) k.mul(f.d1, s.t1, gNext, n);
          else k.mul_add_mul(f.d1, s.t1, this.d2ga[m - 1], s.rz[m - 1], gNext, n);
        }
        [g, gNext] = [gNext, g];
      }
      out.set(ws.f32.subarray(s.flatOut >> 2, (s.flatOut >> 2) + size), d * size);
    }
    return out;
  }
}

interface HvpScratch {
  /** one direction, flat and padded */
  flatIn: number;
  dirs: PaddedParams;
  /** its product, flat */
  flatOut: number;
  /** R(z) and R(y) per layer */
  rz: number[];
  ry: number[];
  t1: number;
  t2: number;
  /** R(g_z) of the current layer and of the one before (alternating) */
  rg: [number, number];
  pW: number;
  pW2: number;
  pb: number;
  vT: number;
}

/** per chunk of an evaluated split, in chunk order: the sum of its rows' losses and its hits */
export interface ChunkSums {
  lossSums: number[];
  hits: number[];
}

/**
 * Evaluation of a dense chain on a split kept in kernel memory: the summed row losses and the number
 * of rows classified correctly, chunk by chunk as evaluation.ts does (the row losses of each chunk
 * summed in order from zero, then the chunks' sums in order).
 */
export class ChainEvaluator {
  private readonly x: number;
  private readonly flatParams: number;
  private readonly params: PaddedParams;
  private readonly buffers: number[];

  constructor(
    private readonly ws: KernelWorkspace, private readonly layout: ChainLayout, x: Float32Array,
    private readonly targets: Float32Array, readonly rows: number, private readonly chunkRows: number,
  ) {
    const inW = layout.layers[0].inW;
    this.x = ws.alloc(rows * inW);
    putRows(ws, this.x, inW, x, layout.inputSize, rows);
    this.flatParams = ws.alloc(layout.size);
    this.params = new PaddedParams(ws, layout, 1);
    const chunk = Math.min(chunkRows, rows);
    this.buffers = [ws.alloc(chunk * Math.max(...layout.layers.map((l) => l.outW))), ws.alloc(chunk * Math.max(...layout.layers.map((l) => l.outW)))];
  }

  /** per chunk: the sum of its rows' losses and its hits (classifiers), in chunk order */
  evaluate(params: Float32Array): ChunkSums {
    const { ws, layout } = this;
    const k = ws.k;
    ws.f32.set(params.subarray(0, layout.size), this.flatParams >> 2);
    this.params.load(this.flatParams);
    const lossSums: number[] = [];
    const hits: number[] = [];
    const last = layout.layers[layout.layers.length - 1];
    const f = Math.fround;
    for (let start = 0; start < this.rows; start += this.chunkRows) {
      const rows = Math.min(this.chunkRows, this.rows - start);
      let a = this.x + 4 * start * layout.layers[0].inW;
      layout.layers.forEach((l, m) => {
        const out = this.buffers[m % 2];
        k.gemm_nn(a, l.inW, this.params.w[m][0], l.outW, out, l.outW, rows, l.inW, l.outW, this.params.b[m][0]);
        if (l.act !== null) k.activation(KERNEL_ACTIVATIONS[l.act], out, out, 0, 0, rows * l.outW);
        a = out;
      });
      const y = ws.f32.subarray(a >> 2, (a >> 2) + rows * last.outW);
      let sum = 0;
      let hit = 0;
      for (let i = 0; i < rows; i++) {
        const r = rowLoss(layout.loss, y, i * last.outW, layout.outputs, this.targets, start + i);
        sum = f(sum + r.loss);
        if (r.argmax === this.targets[start + i]) hit++;
      }
      lossSums.push(sum);
      hits.push(hit);
    }
    return { lossSums, hits };
  }
}
