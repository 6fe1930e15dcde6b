import { addAcc, bilinearAcc, dualZeros, sizeOf, type Dual, type DualTensor } from './dual.js';
import {
  conv2dAcc, conv2dBackFilterAcc, conv2dBackInputAcc, matMulAcc, matMulTransAAcc, matMulTransBAcc,
  type WindowGeometry,
} from './kernels.js';

/**
 * Layers that are linear in each of their inputs: dense and conv2d (bilinear in data and
 * weights), bias, global average pooling, add, flatten. Backward functions accumulate into the
 * gradients they are given; with Dual inputs they return the gradient and its tangent at once.
 */

/** y[B,out] = x[B,in] W[in,out] (+ b) */
export function denseForward(x: DualTensor, w: Dual, b: Dual | undefined, inF: number, outF: number): DualTensor {
  const rows = x.shape[0];
  if (sizeOf(x.shape) !== rows * inF) {
    throw new Error(`dense: input [${x.shape.join(', ')}] does not have ${inF} features per row`);
  }
  const y = dualZeros([rows, outF]);
  bilinearAcc((a, bb, out) => matMulAcc(a, bb, out, rows, inF, outF), x, w, y);
  if (b) biasForward(y, b, outF);
  return y;
}

export function denseBackward(
  x: DualTensor, w: Dual, gy: Dual, gx: Dual, gw: Dual, gb: Dual | undefined, inF: number, outF: number,
): void {
  const rows = x.shape[0];
  bilinearAcc((a, bb, out) => matMulTransBAcc(a, bb, out, rows, outF, inF), gy, w, gx);
  bilinearAcc((a, bb, out) => matMulTransAAcc(a, bb, out, rows, inF, outF), x, gy, gw);
  if (gb) biasBackward(gy, gb, outF);
}

export function conv2dForward(x: DualTensor, w: Dual, b: Dual | undefined, g: WindowGeometry, cout: number): DualTensor {
  const y = dualZeros([g.batch, g.outH, g.outW, cout]);
  bilinearAcc((a, bb, out) => conv2dAcc(a, bb, out, g, cout), x, w, y);
  if (b) biasForward(y, b, cout);
  return y;
}

export function conv2dBackward(
  x: DualTensor, w: Dual, gy: Dual, gx: Dual, gw: Dual, gb: Dual | undefined, g: WindowGeometry, cout: number,
): void {
  bilinearAcc((a, bb, out) => conv2dBackInputAcc(a, bb, out, g, cout), gy, w, gx);
  bilinearAcc((a, bb, out) => conv2dBackFilterAcc(a, bb, out, g, cout), x, gy, gw);
  if (gb) biasBackward(gy, gb, cout);
}

/** y[..., c] += b[c] */
function biasForward(y: Dual, b: Dual, channels: number): void {
  for (let i = 0; i < y.v.length; i++) {
    y.v[i] += b.v[i % channels];
    y.d[i] += b.d[i % channels];
  }
}

/** gb[c] += sum over all other axes of gy[..., c] */
function biasBackward(gy: Dual, gb: Dual, channels: number): void {
  for (let i = 0; i < gy.v.length; i++) {
    gb.v[i % channels] += gy.v[i];
    gb.d[i % channels] += gy.d[i];
  }
}

/** y[b,c] = mean over h, w of x[b,h,w,c] */
export function globalAvgPoolForward(x: DualTensor): DualTensor {
  if (x.shape.length !== 4) throw new Error(`globalavgpool: expected NHWC input, got [${x.shape.join(', ')}]`);
  const [batch, h, w, c] = x.shape;
  const y = dualZeros([batch, c]);
  const hw = h * w;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      for (let k = 0; k < c; k++) {
        y.v[b * c + k] += x.v[(b * hw + p) * c + k] / hw;
        y.d[b * c + k] += x.d[(b * hw + p) * c + k] / hw;
      }
    }
  }
  return y;
}

export function globalAvgPoolBackward(xShape: number[], gy: Dual, gx: Dual): void {
  const [batch, h, w, c] = xShape;
  const hw = h * w;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      for (let k = 0; k < c; k++) {
        gx.v[(b * hw + p) * c + k] += gy.v[b * c + k] / hw;
        gx.d[(b * hw + p) * c + k] += gy.d[b * c + k] / hw;
      }
    }
  }
}

export function addForward(a: DualTensor, b: DualTensor): DualTensor {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`add: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
  }
  const y = dualZeros([...a.shape]);
  addAcc(a, y);
  addAcc(b, y);
  return y;
}

/** NHWC row-major data is already laid out as [batch, h*w*c]: only the shape changes. */
export function flattenForward(x: DualTensor): DualTensor {
  const rows = x.shape[0];
  return { shape: [rows, sizeOf(x.shape) / rows], v: x.v.slice(), d: x.d.slice() };
}
