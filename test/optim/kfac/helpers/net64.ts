import { BATCHNORM_EPS, paramOffsets, type LayerNode, type ModelSpec, type Padding } from '../../../../src/models/spec.js';

/**
 * A brute-force float64 network for the KFAC tests, written from the definitions with plain
 * loops and independent of both the engine and src/reference: forward values of every node, and
 * the reverse pass of any cotangent on the outputs (node gradients and parameter gradients).
 * Ops: input, dense, conv2d, batchnorm (training mode), activation, flatten.
 */
export interface T64 {
  shape: number[];
  data: Float64Array;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const zeros = (shape: number[]): T64 => ({ shape, data: new Float64Array(size(shape)) });

/** TensorFlow's 'same' rule: total = max((ceil(n/s) - 1) s + k - n, 0), before = floor(total / 2) */
function pads(n: number, k: number, s: number, padding: Padding): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 };
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2) };
}

/**
 * im2col index map: for example b, output (oy, ox) and patch entry (di, dj, c) in that order, the
 * input element's flat index, or -1 in the zero padding. Also the output size.
 */
export function im2colIndex(inShape: number[], kh: number, kw: number, stride: number, padding: Padding) {
  const [batch, h, w, c] = inShape;
  const ph = pads(h, kh, stride, padding);
  const pw = pads(w, kw, stride, padding);
  const k = kh * kw * c;
  const index = new Int32Array(batch * ph.out * pw.out * k);
  let p = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < ph.out; oy++) {
      for (let ox = 0; ox < pw.out; ox++) {
        for (let di = 0; di < kh; di++) {
          for (let dj = 0; dj < kw; dj++) {
            const iy = oy * stride + di - ph.before;
            const ix = ox * stride + dj - pw.before;
            for (let ch = 0; ch < c; ch++) {
              index[p++] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : ((b * h + iy) * w + ix) * c + ch;
            }
          }
        }
      }
    }
  }
  return { index, outH: ph.out, outW: pw.out, k };
}

/** explicit im2col: [B, outH, outW, kh*kw*c] */
export function im2col(x: T64, kh: number, kw: number, stride: number, padding: Padding): T64 {
  const { index, outH, outW, k } = im2colIndex(x.shape, kh, kw, stride, padding);
  const data = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) data[i] = index[i] < 0 ? 0 : x.data[index[i]];
  return { shape: [x.shape[0], outH, outW, k], data };
}

/** C[m,n] = A[m,k] B[k,n] (optionally A^T or B^T given as stored) */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

interface BnCache {
  xh: Float64Array;
  s: Float64Array;
}

export interface Forward64 {
  values: T64[];
  /** per node: the im2col patches (conv2d) or normalised input (batchnorm) */
  patches: (T64 | null)[];
  bn: (BnCache | null)[];
}

function act(fn: string, z: number): { y: number; d: number } {
  if (fn === 'relu') return { y: Math.max(z, 0), d: z > 0 ? 1 : 0 };
  if (fn === 'tanh') {
    const y = Math.tanh(z);
    return { y, d: 1 - y * y };
  }
  const y = 1 / (1 + Math.exp(-z));
  return { y, d: y * (1 - y) };
}

export class Net64 {
  private readonly offsets: Map<string, { offset: number; size: number; shape: number[] }>;

  constructor(readonly spec: ModelSpec, readonly params: ArrayLike<number>) {
    this.offsets = paramOffsets(spec);
  }

  param(name: string): Float64Array {
    const o = this.offsets.get(name)!;
    return Float64Array.from({ length: o.size }, (_, i) => this.params[o.offset + i]);
  }

  shape(name: string): number[] {
    return this.offsets.get(name)!.shape;
  }

  forward(x: ArrayLike<number>, batch: number): Forward64 {
    const f: Forward64 = { values: [], patches: [], bn: [] };
    this.spec.nodes.forEach((n) => {
      let y: T64;
      let patches: T64 | null = null;
      let bn: BnCache | null = null;
      const inp = n.op === 'input' ? null : f.values[(n as { input: number }).input];
      switch (n.op) {
        case 'input':
          y = { shape: [batch, ...this.spec.inputShape], data: Float64Array.from(x) };
          break;
        case 'dense': {
          const [din, dout] = this.shape(n.weight);
          const rows = inp!.shape[0];
          const data = matmul(inp!.data, this.param(n.weight), rows, din, dout);
          if (n.bias) {
            const b = this.param(n.bias);
            for (let i = 0; i < data.length; i++) data[i] += b[i % dout];
          }
          y = { shape: [rows, dout], data };
          break;
        }
        case 'conv2d': {
          const [kh, kw, , co] = this.shape(n.filter);
          patches = im2col(inp!, kh, kw, n.stride, n.padding);
          const [b, oh, ow, k] = patches.shape;
          const data = matmul(patches.data, this.param(n.filter), b * oh * ow, k, co);
          if (n.bias) {
            const bias = this.param(n.bias);
            for (let i = 0; i < data.length; i++) data[i] += bias[i % co];
          }
          y = { shape: [b, oh, ow, co], data };
          break;
        }
        case 'batchnorm': {
          const c = inp!.shape[inp!.shape.length - 1];
          const rows = inp!.data.length / c;
          const mean = new Float64Array(c);
          const vr = new Float64Array(c);
          for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) mean[j] += inp!.data[r * c + j] / rows;
          for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) vr[j] += (inp!.data[r * c + j] - mean[j]) ** 2 / rows;
          const s = vr.map((v) => 1 / Math.sqrt(v + BATCHNORM_EPS));
          const gamma = this.param(n.scale);
          const beta = this.param(n.offset);
          const xh = new Float64Array(inp!.data.length);
          const data = new Float64Array(inp!.data.length);
          for (let i = 0; i < xh.length; i++) {
            const j = i % c;
            xh[i] = (inp!.data[i] - mean[j]) * s[j];
            data[i] = gamma[j] * xh[i] + beta[j];
          }
          bn = { xh, s };
          y = { shape: inp!.shape, data };
          break;
        }
        case 'activation':
          y = { shape: inp!.shape, data: inp!.data.map((z) => act(n.fn, z).y) };
          break;
        case 'flatten':
          y = { shape: [inp!.shape[0], inp!.data.length / inp!.shape[0]], data: inp!.data.slice() };
          break;
        default:
          throw new Error(`net64: op ${n.op} is not supported`);
      }
      f.values.push(y);
      f.patches.push(patches);
      f.bn.push(bn);
    });
    return f;
  }

  /** reverse pass of the cotangent `gOut` on the output: gradients of every node's value and of every parameter */
  backward(f: Forward64, gOut: Float64Array): { nodeGrads: (T64 | null)[]; paramGrads: Map<string, Float64Array> } {
    const nodes = this.spec.nodes;
    const g: (T64 | null)[] = nodes.map(() => null);
    const pg = new Map<string, Float64Array>();
    g[nodes.length - 1] = { shape: f.values[nodes.length - 1].shape, data: Float64Array.from(gOut) };
    const send = (i: number, d: Float64Array) => {
      if (nodes[i].op === 'input') return;
      if (g[i] === null) g[i] = zeros(f.values[i].shape);
      for (let k = 0; k < d.length; k++) g[i]!.data[k] += d[k];
    };
    for (let i = nodes.length - 1; i > 0; i--) {
      const n = nodes[i] as Exclude<LayerNode, { op: 'input' | 'add' }>;
      const gy = g[i];
      if (gy === null) continue;
      const x = f.values[n.input];
      switch (n.op) {
        case 'dense': {
          const [din, dout] = this.shape(n.weight);
          const rows = x.shape[0];
          pg.set(n.weight, matmul(x.data, gy.data, din, rows, dout, true));
          if (n.bias) pg.set(n.bias, columnSums(gy.data, dout));
          send(n.input, matmul(gy.data, this.param(n.weight), rows, dout, din, false, true));
          break;
        }
        case 'conv2d': {
          const [kh, kw, , co] = this.shape(n.filter);
          const p = f.patches[i]!;
          const [b, oh, ow, k] = p.shape;
          const rows = b * oh * ow;
          pg.set(n.filter, matmul(p.data, gy.data, k, rows, co, true));
          if (n.bias) pg.set(n.bias, columnSums(gy.data, co));
          const gp = matmul(gy.data, this.param(n.filter), rows, co, k, false, true);
          const { index } = im2colIndex(x.shape, kh, kw, n.stride, n.padding);
          const gx = new Float64Array(x.data.length);
          for (let q = 0; q < index.length; q++) if (index[q] >= 0) gx[index[q]] += gp[q];
          send(n.input, gx);
          break;
        }
        case 'batchnorm': {
          const { xh, s } = f.bn[i]!;
          const c = s.length;
          const rows = xh.length / c;
          const gamma = this.param(n.scale);
          const gGamma = new Float64Array(c);
          const gBeta = new Float64Array(c);
          const meanU = new Float64Array(c);
          const meanXhU = new Float64Array(c);
          for (let q = 0; q < xh.length; q++) {
            const j = q % c;
            gGamma[j] += gy.data[q] * xh[q];
            gBeta[j] += gy.data[q];
            const u = gamma[j] * gy.data[q];
            meanU[j] += u / rows;
            meanXhU[j] += (xh[q] * u) / rows;
          }
          pg.set(n.scale, gGamma);
          pg.set(n.offset, gBeta);
          const gx = new Float64Array(xh.length);
          for (let q = 0; q < xh.length; q++) {
            const j = q % c;
            gx[q] = s[j] * (gamma[j] * gy.data[q] - meanU[j] - xh[q] * meanXhU[j]);
          }
          send(n.input, gx);
          break;
        }
        case 'activation':
          send(n.input, gy.data.map((v, q) => v * act(n.fn, x.data[q]).d));
          break;
        case 'flatten':
          send(n.input, gy.data);
          break;
        default:
          throw new Error(`net64: op ${n.op} is not supported`);
      }
    }
    return { nodeGrads: g, paramGrads: pg };
  }

  /** the flat gradient (spec order) from per-parameter gradients */
  flatten(pg: Map<string, Float64Array>): Float64Array {
    const out = new Float64Array(this.params.length);
    for (const [name, o] of this.offsets) {
      const v = pg.get(name);
      if (v) out.set(v, o.offset);
    }
    return out;
  }
}

function columnSums(a: Float64Array, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < a.length; i++) out[i % cols] += a[i];
  return out;
}

/** softmax rows of [B, C] */
export function softmax64(y: T64): Float64Array {
  const [b, c] = y.shape;
  const p = new Float64Array(b * c);
  for (let r = 0; r < b; r++) {
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, y.data[r * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(y.data[r * c + j] - m);
    for (let j = 0; j < c; j++) p[r * c + j] = Math.exp(y.data[r * c + j] - m) / s;
  }
  return p;
}
