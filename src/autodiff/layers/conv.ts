import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from '../../backend/conv-backprop-filter.js';
import type { LayerNode, Padding } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import { mergeK, type ParamAccess, type Tangent } from './types.js';

/**
 * z = conv(a, W) + b, NHWC, filter [kh, kw, ci, co]. Writing conv^T for the input gradient
 * (conv2dBackpropInput) and F(x, dy) for the filter gradient (conv2dBackpropFilter):
 *   R(z)   = conv(R(a), W) + conv(a, V_W) + V_b
 *   g_a    = conv^T(g_z, W),                g_W = F(a, g_z),  g_b = sum g_z
 *   R(g_a) = conv^T(R(g_z), W) + conv^T(g_z, V_W)
 *   R(g_W) = F(R(a), g_z) + F(a, R(g_z)),   R(g_b) = sum R(g_z)
 * With one direction, the two products of R(z) and of R(g_a) are two convolutions and an add (not
 * one convolution of channel-concatenated operands: concatenating the filters copies all of them
 * twice per product, which cost ResNet-18 more than the convolutions), the two filter gradients one
 * kernel call on the batch-concatenated activations (small); with K directions, K is folded into the
 * channel axis.
 */
export interface ConvArgs {
  filter: string;
  bias?: string;
  stride: number;
  padding: Padding;
}

type T4 = tf.Tensor4D;

export function convForward(a: tf.Tensor, c: ConvArgs, p: ParamAccess): tf.Tensor {
  const w = p.value(c.filter) as T4;
  const bias = c.bias ? p.value(c.bias) : undefined;
  return tf.fused.conv2d({ x: a as T4, filter: w, strides: c.stride, pad: c.padding, bias });
}

function filterShape(w: tf.Tensor): [number, number, number, number] {
  return w.shape as [number, number, number, number];
}

/** [K, B, H, W, C] -> [B, H, W, K*C] */
function foldKIntoChannels(t: tf.Tensor): T4 {
  const [k, b, h, w, ch] = t.shape;
  return tf.reshape(tf.transpose(t, [1, 2, 3, 0, 4]), [b, h, w, k * ch]);
}

/** [B, H, W, K*C] -> [K, B, H, W, C] */
function unfoldKFromChannels(t: tf.Tensor, k: number): tf.Tensor {
  const [b, h, w, kc] = t.shape;
  return tf.transpose(tf.reshape(t, [b, h, w, k, kc / k]), [3, 0, 1, 2, 4]);
}

/** [K, kh, kw, ci, co] -> [kh, kw, ci, K*co] (directions side by side as output channels) */
function foldKIntoOutChannels(v: tf.Tensor): T4 {
  const [k, kh, kw, ci, co] = v.shape;
  return tf.reshape(tf.transpose(v, [1, 2, 3, 0, 4]), [kh, kw, ci, k * co]);
}

/** [K, kh, kw, ci, co] -> [kh, kw, K*ci, co] (directions stacked as input channels) */
function foldKIntoInChannels(v: tf.Tensor): T4 {
  const [k, kh, kw, ci, co] = v.shape;
  return tf.reshape(tf.transpose(v, [1, 2, 0, 3, 4]), [kh, kw, k * ci, co]);
}

export function convBackward(a: tf.Tensor, gz: tf.Tensor, c: ConvArgs, p: ParamAccess, needInput: boolean): tf.Tensor | null {
  const w = p.value(c.filter) as T4;
  if (p.wants(c.filter)) p.accumulate(c.filter, conv2dBackpropFilter(a as T4, gz as T4, filterShape(w), c.stride, c.padding));
  if (c.bias && p.wants(c.bias)) p.accumulate(c.bias, tf.sum(gz, [0, 1, 2]));
  return needInput ? tf.conv2dTranspose(gz as T4, w, a.shape as [number, number, number, number], c.stride, c.padding) : null;
}

export function convRForward(a: tf.Tensor, ra: Tangent, c: ConvArgs, p: ParamAccess): tf.Tensor {
  const k = p.k;
  const w = p.value(c.filter) as T4;
  const v = p.direction(c.filter); // [K, kh, kw, ci, co]
  const co = w.shape[3];
  let rz: tf.Tensor;
  if (k === 1) {
    const v0 = tf.reshape(v, w.shape) as T4;
    rz = tf.conv2d(a as T4, v0, c.stride, c.padding);
    if (ra !== null) rz = tf.add(rz, tf.conv2d(tf.reshape<tf.Rank>(ra, a.shape) as T4, w, c.stride, c.padding));
    rz = tf.reshape(rz, [1, ...rz.shape]);
  } else {
    rz = unfoldKFromChannels(tf.conv2d(a as T4, foldKIntoOutChannels(v), c.stride, c.padding), k);
    if (ra !== null) {
      const t = tf.conv2d(mergeK(ra) as T4, w, c.stride, c.padding);
      rz = tf.add(rz, tf.reshape(t, [k, a.shape[0], ...t.shape.slice(1)]));
    }
  }
  if (c.bias) rz = tf.add(rz, tf.reshape(p.direction(c.bias), [k, 1, 1, 1, co]));
  return rz;
}

/** R(g_a), accumulating R(g_W), R(g_b); gz null (the Gauss-Newton product) drops the terms in g_z */
export function convRBackward(
  a: tf.Tensor, ra: Tangent, gz: tf.Tensor | null, rgz: Tangent, c: ConvArgs, p: ParamAccess, needInput: boolean,
): Tangent {
  const k = p.k;
  const w = p.value(c.filter) as T4;
  const v = p.direction(c.filter);
  const fshape = filterShape(w);
  const [kh, kw, ci, co] = fshape;
  const aShape = a.shape as [number, number, number, number];
  const [batch] = aShape;
  const gzShape = (gz?.shape ?? (rgz === null ? [] : [batch, ...rgz.shape.slice(-3)])) as [number, number, number, number];
  // R(g_W) = F(R(a), g_z) + F(a, R(g_z))
  if (k === 1) {
    let rgw: tf.Tensor | null = null;
    if (ra !== null && gz !== null && rgz !== null) {
      const xs = tf.concat([a, tf.reshape(ra, aShape)], 0) as T4;
      const dys = tf.concat([tf.reshape(rgz, gzShape) as T4, gz as T4], 0) as T4;
      rgw = conv2dBackpropFilter(xs, dys, fshape, c.stride, c.padding);
    } else if (rgz !== null) {
      rgw = conv2dBackpropFilter(a as T4, tf.reshape(rgz, gzShape) as T4, fshape, c.stride, c.padding);
    } else if (ra !== null && gz !== null) {
      rgw = conv2dBackpropFilter(tf.reshape(ra, aShape) as T4, gz as T4, fshape, c.stride, c.padding);
    }
    if (rgw !== null) p.accumulate(c.filter, tf.reshape(rgw, [1, ...fshape]));
  } else {
    let rgw: tf.Tensor | null = null;
    if (rgz !== null) {
      const t = conv2dBackpropFilter(a as T4, foldKIntoChannels(rgz), [kh, kw, ci, k * co], c.stride, c.padding);
      rgw = tf.transpose(tf.reshape(t, [kh, kw, ci, k, co]), [3, 0, 1, 2, 4]);
    }
    if (ra !== null && gz !== null) {
      const t = conv2dBackpropFilter(foldKIntoChannels(ra), gz as T4, [kh, kw, k * ci, co], c.stride, c.padding);
      const u = tf.transpose(tf.reshape(t, [kh, kw, k, ci, co]), [2, 0, 1, 3, 4]);
      rgw = rgw === null ? u : tf.add(rgw, u);
    }
    if (rgw !== null) p.accumulate(c.filter, rgw);
  }
  if (c.bias && rgz !== null) p.accumulate(c.bias, tf.sum(rgz, [1, 2, 3]));
  if (!needInput) return null;
  // R(g_a) = conv^T(R(g_z), W) + conv^T(g_z, V_W)
  if (gz === null) {
    if (rgz === null) return null;
    const t = tf.conv2dTranspose(mergeK(rgz) as T4, w, [k * batch, aShape[1], aShape[2], ci], c.stride, c.padding);
    return tf.reshape(t, [k, ...aShape]);
  }
  if (k === 1) {
    const v0 = tf.reshape(v, fshape) as T4;
    let out = tf.conv2dTranspose(gz as T4, v0, aShape, c.stride, c.padding);
    if (rgz !== null) out = tf.add(tf.conv2dTranspose(tf.reshape<tf.Rank>(rgz, gz.shape) as T4, w, aShape, c.stride, c.padding), out);
    return tf.reshape(out, [1, ...aShape]);
  }
  const [, h, wd] = aShape;
  let rga = unfoldKFromChannels(
    tf.conv2dTranspose(gz as T4, foldKIntoInChannels(v), [batch, h, wd, k * ci], c.stride, c.padding), k);
  if (rgz !== null) {
    const t = tf.conv2dTranspose(mergeK(rgz) as T4, w, [k * batch, h, wd, ci], c.stride, c.padding);
    rga = tf.add(rga, tf.reshape(t, [k, ...aShape]));
  }
  return rga;
}

type ConvNode = Extract<LayerNode, { op: 'conv2d' }>;

export const convKind: LayerKind<ConvNode, null, null, null> = {
  inputs: (n) => [n.input],
  ownsParams: true,
  forward: (n, [a], p) => ({ y: convForward(a, n, p), cache: null }),
  predict: (n, [a], p) => convForward(a, n, p),
  backward: (n, { xs: [a], gy, p, needInput: [need] }) => ({ gxs: [convBackward(a, gy, n, p, need)], back: null }),
  rForward: (n, { xs: [a], rxs: [ra], p }) => ({ ry: convRForward(a, ra, n, p), t: null }),
  rBackward: (n, { xs: [a], rxs: [ra], gy, rgy, p, needInput: [need] }) => [convRBackward(a, ra, gy, rgy, n, p, need)],
  kfac: { block: 'conv2d', params: (n) => (n.bias ? [n.filter, n.bias] : [n.filter]), inputs: (_n, [a]) => a },
};
