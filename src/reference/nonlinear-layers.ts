import { BATCHNORM_EPS, type Activation } from '../models/spec.js';
import { dualZeros, type Dual, type DualTensor } from './dual.js';
import { poolWindows, type WindowGeometry } from './kernels.js';

/**
 * Layers that are not linear: activations, batch norm (training mode) and max-pool.
 * Forward passes report a "kink margin": how far (in units of the parameter direction) the
 * point is from a place where the layer is not differentiable (relu at 0, a max-pool tie),
 * to first order. Finite differences with steps well inside that margin see a smooth function.
 */

/** f, f', f'' of each activation at x */
function activationDerivatives(fn: Activation, x: number): [number, number, number] {
  switch (fn) {
    case 'relu':
      return x > 0 ? [x, 1, 0] : [0, 0, 0];
    case 'tanh': {
      const t = Math.tanh(x);
      const d1 = 1 - t * t;
      return [t, d1, -2 * t * d1];
    }
    case 'sigmoid': {
      const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
      const d1 = s * (1 - s);
      return [s, d1, d1 * (1 - 2 * s)];
    }
  }
}

export function activationForward(fn: Activation, x: DualTensor): { y: DualTensor; margin: number } {
  const y = dualZeros([...x.shape]);
  let margin = Infinity;
  for (let i = 0; i < x.v.length; i++) {
    const [f, d1] = activationDerivatives(fn, x.v[i]);
    y.v[i] = f;
    y.d[i] = d1 * x.d[i];
    if (fn === 'relu') margin = Math.min(margin, x.v[i] === 0 ? 0 : Math.abs(x.v[i]) / Math.abs(x.d[i]));
  }
  return { y, margin };
}

/** gx += gy f'(x); its tangent is gy' f'(x) + gy f''(x) x' */
export function activationBackward(fn: Activation, x: Dual, gy: Dual, gx: Dual): void {
  for (let i = 0; i < x.v.length; i++) {
    const [, d1, d2] = activationDerivatives(fn, x.v[i]);
    gx.v[i] += gy.v[i] * d1;
    gx.d[i] += gy.d[i] * d1 + gy.v[i] * d2 * x.d[i];
  }
}

/** What the batch-norm backward pass needs from its forward pass. */
export interface BatchNormCache {
  xhat: DualTensor;
  /** 1 / sqrt(var + eps) per channel */
  inv: Dual;
}

/**
 * y = scale (x - mean) / sqrt(var + eps) + offset, mean and biased variance over every axis but
 * the last (the batch statistics of training mode). Tangents by the product and chain rules.
 */
export function batchNormForward(x: DualTensor, scale: Dual, offset: Dual): { y: DualTensor; cache: BatchNormCache } {
  const c = x.shape[x.shape.length - 1];
  const n = x.v.length / c;
  const mean = new Float64Array(c);
  const meanD = new Float64Array(c);
  for (let i = 0; i < x.v.length; i++) {
    mean[i % c] += x.v[i] / n;
    meanD[i % c] += x.d[i] / n;
  }
  const variance = new Float64Array(c);
  const varianceD = new Float64Array(c);
  for (let i = 0; i < x.v.length; i++) {
    const xc = x.v[i] - mean[i % c];
    const xcD = x.d[i] - meanD[i % c];
    variance[i % c] += (xc * xc) / n;
    varianceD[i % c] += (2 * xc * xcD) / n;
  }
  const inv: Dual = { v: new Float64Array(c), d: new Float64Array(c) };
  for (let k = 0; k < c; k++) {
    inv.v[k] = 1 / Math.sqrt(variance[k] + BATCHNORM_EPS);
    inv.d[k] = -0.5 * inv.v[k] ** 3 * varianceD[k];
  }
  const xhat = dualZeros([...x.shape]);
  const y = dualZeros([...x.shape]);
  for (let i = 0; i < x.v.length; i++) {
    const k = i % c;
    const xc = x.v[i] - mean[k];
    const xcD = x.d[i] - meanD[k];
    xhat.v[i] = xc * inv.v[k];
    xhat.d[i] = xcD * inv.v[k] + xc * inv.d[k];
    y.v[i] = scale.v[k] * xhat.v[i] + offset.v[k];
    y.d[i] = scale.d[k] * xhat.v[i] + scale.v[k] * xhat.d[i] + offset.d[k];
  }
  return { y, cache: { xhat, inv } };
}

/**
 * With gxhat = gy * scale and per-channel means m1 = mean(gxhat), m2 = mean(gxhat * xhat):
 *   gx = inv (gxhat - m1 - xhat m2),  gscale = sum gy xhat,  goffset = sum gy.
 */
export function batchNormBackward(
  cache: BatchNormCache, scale: Dual, gy: Dual, gx: Dual, gscale: Dual, goffset: Dual,
): void {
  const { xhat, inv } = cache;
  const c = inv.v.length;
  const n = xhat.v.length / c;
  const m1 = new Float64Array(c);
  const m1D = new Float64Array(c);
  const m2 = new Float64Array(c);
  const m2D = new Float64Array(c);
  const gxhat = new Float64Array(xhat.v.length);
  const gxhatD = new Float64Array(xhat.v.length);
  for (let i = 0; i < xhat.v.length; i++) {
    const k = i % c;
    gxhat[i] = gy.v[i] * scale.v[k];
    gxhatD[i] = gy.d[i] * scale.v[k] + gy.v[i] * scale.d[k];
    m1[k] += gxhat[i] / n;
    m1D[k] += gxhatD[i] / n;
    m2[k] += (gxhat[i] * xhat.v[i]) / n;
    m2D[k] += (gxhatD[i] * xhat.v[i] + gxhat[i] * xhat.d[i]) / n;
    goffset.v[k] += gy.v[i];
    goffset.d[k] += gy.d[i];
    gscale.v[k] += gy.v[i] * xhat.v[i];
    gscale.d[k] += gy.d[i] * xhat.v[i] + gy.v[i] * xhat.d[i];
  }
  for (let i = 0; i < xhat.v.length; i++) {
    const k = i % c;
    const inner = gxhat[i] - m1[k] - xhat.v[i] * m2[k];
    const innerD = gxhatD[i] - m1D[k] - xhat.d[i] * m2[k] - xhat.v[i] * m2D[k];
    gx.v[i] += inv.v[k] * inner;
    gx.d[i] += inv.d[k] * inner + inv.v[k] * innerD;
  }
}

/**
 * Max over each window; the first maximum in row-major window order wins (and later gets the
 * gradient). The margin is the smallest (max - other) / |tangent difference| over the window.
 */
export function maxPoolForward(x: DualTensor, g: WindowGeometry): { y: DualTensor; argmax: Int32Array; margin: number } {
  const windows = poolWindows(g);
  const y = dualZeros([g.batch, g.outH, g.outW, g.channels]);
  const argmax = new Int32Array(windows.length);
  let margin = Infinity;
  windows.forEach((win, o) => {
    let best = win[0];
    for (const i of win) if (x.v[i] > x.v[best]) best = i;
    argmax[o] = best;
    y.v[o] = x.v[best];
    y.d[o] = x.d[best];
    for (const i of win) {
      if (i === best) continue;
      const gap = x.v[best] - x.v[i];
      const slope = Math.abs(x.d[best] - x.d[i]);
      // equal values with equal tangents (e.g. several relu zeros) stay tied: harmless
      if (slope > 0) margin = Math.min(margin, gap / slope);
    }
  });
  return { y, argmax, margin };
}

export function maxPoolBackward(argmax: Int32Array, gy: Dual, gx: Dual): void {
  for (let o = 0; o < argmax.length; o++) {
    gx.v[argmax[o]] += gy.v[o];
    gx.d[argmax[o]] += gy.d[o];
  }
}
