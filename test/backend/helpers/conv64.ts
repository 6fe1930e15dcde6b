/**
 * Float64 NHWC convolution and pooling written from their definitions (TensorFlow's padding
 * rules), independent of tfjs: the reference for the conv and pooling gradient tests.
 */

export type Pad = 'same' | 'valid' | number;

export interface Axis {
  out: number;
  before: number;
}

/** Output size and padding-before in one spatial dimension. */
export function axis(n: number, k: number, s: number, pad: Pad): Axis {
  if (pad === 'same') {
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    return { out, before: Math.floor(total / 2) };
  }
  if (pad === 'valid') return { out: Math.floor((n - k) / s) + 1, before: 0 };
  return { out: Math.trunc((n - k + 2 * pad) / s) + 1, before: pad };
}

export interface ConvShape {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

export function convGeometry(c: ConvShape) {
  const [n, h, w, ci] = c.x;
  const [kh, kw, , co] = c.filter;
  const rows = axis(h, kh, c.stride, c.pad);
  const cols = axis(w, kw, c.stride, c.pad);
  return { n, h, w, ci, kh, kw, co, s: c.stride, top: rows.before, left: cols.before, oh: rows.out, ow: cols.out };
}

/** Visits every (input pixel, filter tap, output pixel) triple that conv2d multiplies. */
function forEachTap(
  c: ConvShape,
  visit: (xIndex: number, fIndex: number, yIndex: number) => void,
): void {
  const g = convGeometry(c);
  for (let b = 0; b < g.n; b++)
    for (let oh = 0; oh < g.oh; oh++)
      for (let ow = 0; ow < g.ow; ow++)
        for (let i = 0; i < g.kh; i++) {
          const r = oh * g.s + i - g.top;
          if (r < 0 || r >= g.h) continue;
          for (let j = 0; j < g.kw; j++) {
            const col = ow * g.s + j - g.left;
            if (col < 0 || col >= g.w) continue;
            for (let ci = 0; ci < g.ci; ci++)
              for (let co = 0; co < g.co; co++)
                visit(
                  ((b * g.h + r) * g.w + col) * g.ci + ci,
                  ((i * g.kw + j) * g.ci + ci) * g.co + co,
                  ((b * g.oh + oh) * g.ow + ow) * g.co + co,
                );
          }
        }
}

export function conv2d64(x: Float64Array, f: Float64Array, c: ConvShape): Float64Array {
  const g = convGeometry(c);
  const y = new Float64Array(g.n * g.oh * g.ow * g.co);
  forEachTap(c, (xi, fi, yi) => (y[yi] += x[xi] * f[fi]));
  return y;
}

/** d<gy, conv2d(x, f)>/dx */
export function conv2dBackpropInput64(gy: Float64Array, f: Float64Array, c: ConvShape): Float64Array {
  const gx = new Float64Array(c.x.reduce((a, b) => a * b, 1));
  forEachTap(c, (xi, fi, yi) => (gx[xi] += gy[yi] * f[fi]));
  return gx;
}

/** d<gy, conv2d(x, f)>/df */
export function conv2dBackpropFilter64(x: Float64Array, gy: Float64Array, c: ConvShape): Float64Array {
  const gf = new Float64Array(c.filter.reduce((a, b) => a * b, 1));
  forEachTap(c, (xi, fi, yi) => (gf[fi] += x[xi] * gy[yi]));
  return gf;
}

export interface PoolShape {
  x: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'same' | 'valid';
}

/** For every pooled value, the input pixels of its window (padding excluded). */
export function poolWindows(p: PoolShape): { out: [number, number, number, number]; windows: number[][] } {
  const [n, h, w, c] = p.x;
  const rows = axis(h, p.size, p.stride, p.pad);
  const cols = axis(w, p.size, p.stride, p.pad);
  const windows: number[][] = [];
  for (let b = 0; b < n; b++)
    for (let oh = 0; oh < rows.out; oh++)
      for (let ow = 0; ow < cols.out; ow++)
        for (let ch = 0; ch < c; ch++) {
          const members: number[] = [];
          for (let i = 0; i < p.size; i++)
            for (let j = 0; j < p.size; j++) {
              const r = oh * p.stride + i - rows.before;
              const col = ow * p.stride + j - cols.before;
              if (r >= 0 && r < h && col >= 0 && col < w) members.push(((b * h + r) * w + col) * c + ch);
            }
          windows.push(members);
        }
  return { out: [n, rows.out, cols.out, c], windows };
}

/** Index of each window's first maximum in row-major order. */
export function maxPoolArgmax64(x: Float64Array, p: PoolShape): number[] {
  return poolWindows(p).windows.map((m) => m.reduce((best, i) => (x[i] > x[best] ? i : best), m[0]));
}

export function avgPool64(x: Float64Array, p: PoolShape): Float64Array {
  return Float64Array.from(poolWindows(p).windows, (m) => m.reduce((s, i) => s + x[i], 0) / m.length);
}

/** d<gy, avgPool(x)>/dx */
export function avgPoolBackward64(gy: Float64Array, p: PoolShape): Float64Array {
  const gx = new Float64Array(p.x.reduce((a, b) => a * b, 1));
  poolWindows(p).windows.forEach((m, o) => m.forEach((i) => (gx[i] += gy[o] / m.length)));
  return gx;
}
