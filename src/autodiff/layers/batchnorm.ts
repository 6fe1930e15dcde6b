import * as tf from '@tensorflow/tfjs-core';
import { BATCHNORM_EPS, type LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import type { ParamAccess, Tangent } from './types.js';

/**
 * Batch norm in training mode over every axis but the last (channels), biased variance:
 *   xh = (x - mu) s,  s = (var + eps)^(-1/2),  y = gamma xh + beta.
 * With P(u) = u - mean(u) - xh mean(xh u) (a symmetric projection, means over the reduced axes):
 *   R(xh)  = s P(R(x)),                 R(s) = -s^2 mean(xh R(x))
 *   R(y)   = gamma R(xh) + V_gamma xh + V_beta
 *   g_x    = s P(u),  u = gamma g_y,    g_gamma = sum g_y xh,  g_beta = sum g_y
 *   R(g_x) = R(s) P(u) - s (R(xh) mean(xh u) + xh mean(R(xh) u)) + s P(R(u)),
 *            R(u) = gamma R(g_y) + V_gamma g_y
 *   R(g_gamma) = sum (R(g_y) xh + g_y R(xh)),  R(g_beta) = sum R(g_y)
 */
export interface BatchNormCache {
  xh: tf.Tensor;
  s: tf.Tensor; // [C]
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** what the backward pass keeps for the curvature pass: P(u) and mean(xh u) */
export interface BatchNormBackwardCache {
  pu: tf.Tensor;
  meanXhU: tf.Tensor;
}

export interface BatchNormArgs {
  scale: string;
  offset: string;
}

function reducedAxes(rank: number, first: number): number[] {
  return Array.from({ length: rank - 1 - first }, (_, i) => i + first);
}

export function batchNormForward(x: tf.Tensor, a: BatchNormArgs, p: ParamAccess): { y: tf.Tensor; cache: BatchNormCache } {
  const axes = reducedAxes(x.rank, 0);
  const { mean, variance } = tf.moments(x, axes);
  const s = tf.rsqrt(tf.add(variance, BATCHNORM_EPS));
  const xh = tf.mul(tf.sub(x, mean), s);
  const y = tf.add(tf.mul(xh, p.value(a.scale)), p.value(a.offset));
  return { y, cache: { xh, s, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D } };
}

/** Evaluation mode: running averages instead of batch statistics. */
export function batchNormInference(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): tf.Tensor {
  const s = tf.rsqrt(tf.add(variance, BATCHNORM_EPS));
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), s), scale), offset);
}

export function batchNormBackward(
  cache: BatchNormCache, gy: tf.Tensor, a: BatchNormArgs, p: ParamAccess,
): { gx: tf.Tensor; back: BatchNormBackwardCache } {
  const axes = reducedAxes(gy.rank, 0);
  const xh = cache.xh;
  if (p.wants(a.scale)) p.accumulate(a.scale, tf.sum(tf.mul(gy, xh), axes));
  if (p.wants(a.offset)) p.accumulate(a.offset, tf.sum(gy, axes));
  const u = tf.mul(gy, p.value(a.scale));
  const meanXhU = tf.mean(tf.mul(xh, u), axes);
  const pu = tf.sub(tf.sub(u, tf.mean(u, axes)), tf.mul(xh, meanXhU));
  return { gx: tf.mul(pu, cache.s), back: { pu, meanXhU } };
}

export interface BatchNormTangent {
  rxh: Tangent;
  /** mean(xh R(x)) per direction and channel, [K, 1, ..., C] */
  meanXhRx: Tangent;
}

export function batchNormRForward(cache: BatchNormCache, rx: Tangent, a: BatchNormArgs, p: ParamAccess): { ry: tf.Tensor; t: BatchNormTangent } {
  const k = p.k;
  const xh = cache.xh;
  const c = xh.shape[xh.rank - 1];
  const bshape = [k, ...Array(xh.rank - 1).fill(1), c];
  let ry = tf.add(tf.mul(xh, tf.reshape(p.direction(a.scale), bshape)), tf.reshape(p.direction(a.offset), bshape));
  if (rx === null) return { ry, t: { rxh: null, meanXhRx: null } };
  const axes = reducedAxes(rx.rank, 1);
  const meanXhRx = tf.mean(tf.mul(xh, rx), axes, true);
  const rxh = tf.mul(tf.sub(tf.sub(rx, tf.mean(rx, axes, true)), tf.mul(xh, meanXhRx)), cache.s);
  ry = tf.add(ry, tf.mul(rxh, p.value(a.scale)));
  return { ry, t: { rxh, meanXhRx } };
}

/** R(g_x), accumulating R(g_gamma), R(g_beta); gy null (the Gauss-Newton product) drops the terms in g_y */
export function batchNormRBackward(
  cache: BatchNormCache, back: BatchNormBackwardCache, t: BatchNormTangent, gy: tf.Tensor | null, rgy: Tangent, a: BatchNormArgs, p: ParamAccess,
): Tangent {
  const k = p.k;
  const xh = cache.xh;
  const s = cache.s;
  const c = xh.shape[xh.rank - 1];
  const axes = reducedAxes(xh.rank + 1, 1);
  const bshape = [k, ...Array(xh.rank - 1).fill(1), c];
  const scale = p.value(a.scale);
  // R(g_gamma), R(g_beta)
  let rgGamma: tf.Tensor | null = t.rxh === null || gy === null ? null : tf.sum(tf.mul(gy, t.rxh), axes);
  if (rgy !== null) {
    const fromRgy = tf.sum(tf.mul(rgy, xh), axes);
    rgGamma = rgGamma === null ? fromRgy : tf.add(rgGamma, fromRgy);
    p.accumulate(a.offset, tf.sum(rgy, axes));
  }
  if (rgGamma !== null) p.accumulate(a.scale, rgGamma);
  // R(u) = gamma R(g_y) + V_gamma g_y
  let ru: Tangent = gy === null ? null : tf.mul(gy, tf.reshape(p.direction(a.scale), bshape));
  if (rgy !== null) ru = ru === null ? tf.mul(rgy, scale) : tf.add(ru, tf.mul(rgy, scale));
  if (ru === null) return null;
  const pru = tf.sub(tf.sub(ru, tf.mean(ru, axes, true)), tf.mul(xh, tf.mean(tf.mul(xh, ru), axes, true)));
  let rgx = tf.mul(pru, s);
  if (t.rxh !== null && t.meanXhRx !== null && gy !== null) {
    const u = tf.mul(gy, scale);
    const rs = tf.mul(tf.neg(tf.square(s)), t.meanXhRx);
    const rP = tf.add(tf.mul(t.rxh, back.meanXhU), tf.mul(xh, tf.mean(tf.mul(t.rxh, u), axes, true)));
    rgx = tf.add(rgx, tf.sub(tf.mul(rs, back.pu), tf.mul(s, rP)));
  }
  return rgx;
}

type BatchNormNode = Extract<LayerNode, { op: 'batchnorm' }>;

export const batchNormKind: LayerKind<BatchNormNode, BatchNormCache, BatchNormBackwardCache, BatchNormTangent> = {
  inputs: (n) => [n.input],
  ownsParams: true,
  forward: (n, [x], p) => batchNormForward(x, n, p),
  predict: (n, [x], p, running) => {
    if (running === undefined) return batchNormForward(x, n, p).y;
    const r = running.get(n.state);
    if (!r) throw new Error(`no running statistics for batch-norm layer ${n.state}`);
    return batchNormInference(x, r.mean, r.variance, p.value(n.scale), p.value(n.offset));
  },
  backward: (n, { cache, gy, p }) => {
    const { gx, back } = batchNormBackward(cache, gy, n, p);
    return { gxs: [gx], back };
  },
  rForward: (n, { cache, rxs: [rx], p }) => batchNormRForward(cache, rx, n, p),
  rBackward: (n, { cache, back, t, gy, rgy, p }) => [batchNormRBackward(cache, back, t, gy, rgy, n, p)],
  kfac: { block: 'batchnorm', params: (n) => [n.scale, n.offset], inputs: (_n, _xs, cache) => cache.xh },
};
