import { samePads, spatialOut, type Padding } from '../models/spec.js';

/**
 * Plain float64 kernels, written from the definitions with explicit loops. Every kernel
 * accumulates into its output (out += ...), which is what the product rule in dual.ts needs.
 */

/** C[m,n] += A[m,k] B[k,n] */
export function matMulAcc(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  }
}

/** C[m,k] += A[m,n] B[k,n]^T */
export function matMulTransBAcc(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * b[p * n + j];
      c[i * k + p] += s;
    }
  }
}

/** C[k,n] += A[m,k]^T B[m,n] */
export function matMulTransAAcc(a: Float64Array, b: Float64Array, c: Float64Array, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) c[p * n + j] += aip * b[i * n + j];
    }
  }
}

/** Geometry of a 2-D window operation (convolution or pooling) on NHWC data. */
export interface WindowGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  kh: number;
  kw: number;
  stride: number;
  outH: number;
  outW: number;
  padTop: number;
  padLeft: number;
}

export function windowGeometry(
  inShape: readonly number[],
  kh: number,
  kw: number,
  stride: number,
  padding: Padding,
): WindowGeometry {
  if (inShape.length !== 4) throw new Error(`expected an NHWC tensor, got shape [${inShape.join(', ')}]`);
  const [batch, inH, inW, channels] = inShape;
  const padTop = padding === 'same' ? samePads(inH, kh, stride)[0] : 0;
  const padLeft = padding === 'same' ? samePads(inW, kw, stride)[0] : 0;
  return {
    batch, inH, inW, channels, kh, kw, stride, padTop, padLeft,
    outH: spatialOut(inH, kh, stride, padding),
    outW: spatialOut(inW, kw, stride, padding),
  };
}

/**
 * Calls visit(outIndexBase, inIndexBase, filterTapIndex) for every (output pixel, filter tap)
 * pair whose input pixel is inside the image; padded taps contribute nothing (zero padding).
 * outIndexBase and inIndexBase point at channel 0 of the pixel.
 */
function forEachTap(g: WindowGeometry, outChannels: number, visit: (o: number, i: number, tap: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const o = ((b * g.outH + oy) * g.outW + ox) * outChannels;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.stride - g.padTop + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.stride - g.padLeft + kx;
            if (ix < 0 || ix >= g.inW) continue;
            visit(o, ((b * g.inH + iy) * g.inW + ix) * g.channels, ky * g.kw + kx);
          }
        }
      }
    }
  }
}

/** y[b,oy,ox,co] += sum_{ky,kx,ci} x[b, oy*s-pt+ky, ox*s-pl+kx, ci] w[ky,kx,ci,co] */
export function conv2dAcc(x: Float64Array, w: Float64Array, y: Float64Array, g: WindowGeometry, cout: number): void {
  const cin = g.channels;
  forEachTap(g, cout, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      const xv = x[i + ci];
      const wb = (tap * cin + ci) * cout;
      for (let co = 0; co < cout; co++) y[o + co] += xv * w[wb + co];
    }
  });
}

/** gx += d(sum gy * conv(x, w)) / dx */
export function conv2dBackInputAcc(gy: Float64Array, w: Float64Array, gx: Float64Array, g: WindowGeometry, cout: number): void {
  const cin = g.channels;
  forEachTap(g, cout, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      const wb = (tap * cin + ci) * cout;
      let s = 0;
      for (let co = 0; co < cout; co++) s += gy[o + co] * w[wb + co];
      gx[i + ci] += s;
    }
  });
}

/** gw += d(sum gy * conv(x, w)) / dw */
export function conv2dBackFilterAcc(x: Float64Array, gy: Float64Array, gw: Float64Array, g: WindowGeometry, cout: number): void {
  const cin = g.channels;
  forEachTap(g, cout, (o, i, tap) => {
    for (let ci = 0; ci < cin; ci++) {
      const xv = x[i + ci];
      const wb = (tap * cin + ci) * cout;
      for (let co = 0; co < cout; co++) gw[wb + co] += xv * gy[o + co];
    }
  });
}

/**
 * For every output of a max-pool: the input indices of its window that lie inside the image
 * ('same' padding acts as -infinity, so padded taps never win), in row-major window order.
 */
export function poolWindows(g: WindowGeometry): Int32Array[] {
  const windows: Int32Array[] = [];
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        for (let c = 0; c < g.channels; c++) {
          const idx: number[] = [];
          for (let ky = 0; ky < g.kh; ky++) {
            const iy = oy * g.stride - g.padTop + ky;
            if (iy < 0 || iy >= g.inH) continue;
            for (let kx = 0; kx < g.kw; kx++) {
              const ix = ox * g.stride - g.padLeft + kx;
              if (ix < 0 || ix >= g.inW) continue;
              idx.push(((b * g.inH + iy) * g.inW + ix) * g.channels + c);
            }
          }
          windows.push(Int32Array.from(idx));
        }
      }
    }
  }
  return windows;
}
