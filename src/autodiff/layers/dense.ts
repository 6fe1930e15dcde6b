import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../models/spec.js';
import type { LayerKind } from './kind.js';
import { mergeK, type ParamAccess, type Tangent } from './types.js';

/**
 * z = a W + b  (a [B, d], W [d, u]).
 *   R(z)   = R(a) W + a V_W + V_b
 *   g_a    = g_z W^T,                 g_W = a^T g_z,  g_b = sum_B g_z
 *   R(g_a) = R(g_z) W^T + g_z V_W^T
 *   R(g_W) = R(a)^T g_z + a^T R(g_z), R(g_b) = sum_B R(g_z)
 * Transposes are explicit (and a^T, W^T cached by the caller): tfjs-wasm's matMul with
 * transposeA/transposeB is about ten times slower than a transpose followed by a plain matMul.
 */
export interface DenseOperands {
  a: tf.Tensor2D;
  /** a^T, made once by the backward pass and kept for the curvature passes */
  aT: tf.Tensor2D;
  /** W^T, made where the input gradient is needed */
  wT: tf.Tensor2D | null;
}

/** the transposes the backward and curvature passes need, made once */
export function denseOperands(a: tf.Tensor, w: tf.Tensor, needInput: boolean): DenseOperands {
  return { a: a as tf.Tensor2D, aT: tf.transpose(a) as tf.Tensor2D, wT: needInput ? (tf.transpose(w) as tf.Tensor2D) : null };
}

const mm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);

/*
 * With K directions every product is one large 2-D matMul: the direction axis is folded into
 * the columns or rows (wasm's batched matMul of many small matrices is several times slower).
 */
/** [K, r, c] -> [r, K*c] */
const foldColumns = (x: tf.Tensor) => {
  const [k, r, c] = x.shape as number[];
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [r, k * c]);
};
/** [r, K*c] -> [K, r, c] */
const unfoldColumns = (x: tf.Tensor, k: number) => {
  const [r, kc] = x.shape as number[];
  return tf.transpose(tf.reshape(x, [r, k, kc / k]), [1, 0, 2]);
};

export function denseForward(a: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor {
  return tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
}

export function denseBackward(
  o: DenseOperands, gz: tf.Tensor, weight: string, bias: string | undefined, p: ParamAccess, needInput: boolean,
): tf.Tensor | null {
  if (p.wants(weight)) p.accumulate(weight, mm(o.aT, gz));
  if (bias && p.wants(bias)) p.accumulate(bias, tf.sum(gz, 0));
  return needInput ? mm(gz, o.wT!) : null;
}

export function denseRForward(a: tf.Tensor, ra: Tangent, weight: string, bias: string | undefined, p: ParamAccess): tf.Tensor {
  const k = p.k;
  const w = p.value(weight);
  const vw = p.direction(weight); // [K, d, u]
  const batch = a.shape[0] as number;
  const units = w.shape[1] as number;
  let rz: tf.Tensor;
  if (k === 1) {
    // two products and an add: cheaper than concatenating operands (wasm's Concat runs in JavaScript)
    rz = mm(a, tf.reshape(vw, w.shape));
    if (ra !== null) rz = tf.add(rz, mm(tf.reshape(ra, a.shape), w));
    rz = tf.reshape(rz, [1, batch, units]);
  } else {
    rz = unfoldColumns(mm(a, foldColumns(vw)), k);
    if (ra !== null) rz = tf.add(rz, tf.reshape(mm(mergeK(ra), w), [k, batch, units]));
  }
  if (bias) rz = tf.add(rz, tf.reshape(p.direction(bias), [k, 1, units]));
  return rz;
}

/** R(g_a), accumulating R(g_W), R(g_b); gz null (the Gauss-Newton product) drops the terms in g_z */
export function denseRBackward(
  o: DenseOperands, ra: Tangent, gz: tf.Tensor | null, rgz: Tangent, weight: string, bias: string | undefined,
  p: ParamAccess, needInput: boolean,
): Tangent {
  const k = p.k;
  const [batch, d] = o.a.shape;
  const units = p.value(weight).shape[1] as number;
  // R(g_W) = a^T R(g_z) + R(a)^T g_z
  if (k === 1) {
    let rgw: tf.Tensor | null = null;
    if (rgz !== null) rgw = mm(o.aT, tf.reshape(rgz, [batch, units]));
    if (ra !== null && gz !== null) {
      const t = mm(tf.transpose(tf.reshape(ra, [batch, d])), gz);
      rgw = rgw === null ? t : tf.add(rgw, t);
    }
    if (rgw !== null) p.accumulate(weight, tf.reshape(rgw, [1, d, units]));
  } else {
    let rgw: tf.Tensor | null = null;
    if (rgz !== null) rgw = unfoldColumns(mm(o.aT, foldColumns(rgz)), k);
    if (ra !== null && gz !== null) {
      const t = tf.reshape(mm(tf.reshape(tf.transpose(ra, [0, 2, 1]), [k * d, batch]), gz), [k, d, units]);
      rgw = rgw === null ? t : tf.add(rgw, t);
    }
    if (rgw !== null) p.accumulate(weight, rgw);
  }
  if (bias && rgz !== null) p.accumulate(bias, tf.sum(rgz, 1));
  if (!needInput) return null;
  // R(g_a) = R(g_z) W^T + g_z V_W^T
  const vw = p.direction(weight);
  if (gz === null) return rgz === null ? null : tf.reshape(mm(mergeK(rgz), o.wT!), [k, batch, d]);
  if (k === 1) {
    const vT = tf.transpose(tf.reshape(vw, [d, units]));
    let out = mm(gz, vT);
    if (rgz !== null) out = tf.add(out, mm(tf.reshape(rgz, [batch, units]), o.wT!));
    return tf.reshape(out, [1, batch, d]);
  }
  let rga = unfoldColumns(mm(gz, foldColumns(tf.transpose(vw, [0, 2, 1]))), k);
  if (rgz !== null) rga = tf.add(rga, tf.reshape(mm(mergeK(rgz), o.wT!), [k, batch, d]));
  return rga;
}

type DenseNode = Extract<LayerNode, { op: 'dense' }>;

export const denseKind: LayerKind<DenseNode, null, DenseOperands, null> = {
  inputs: (n) => [n.input],
  ownsParams: true,
  forward: (n, [a], p) => ({ y: denseForward(a, p.value(n.weight), n.bias ? p.value(n.bias) : undefined), cache: null }),
  predict: (n, [a], p) => denseForward(a, p.value(n.weight), n.bias ? p.value(n.bias) : undefined),
  backward: (n, { xs: [a], gy, p, needInput: [need] }) => {
    const back = denseOperands(a, p.value(n.weight), need);
    return { gxs: [denseBackward(back, gy, n.weight, n.bias, p, need)], back };
  },
  rForward: (n, { xs: [a], rxs: [ra], p }) => ({ ry: denseRForward(a, ra, n.weight, n.bias, p), t: null }),
  rBackward: (n, { back, rxs: [ra], gy, rgy, p, needInput: [need] }) => [denseRBackward(back, ra, gy, rgy, n.weight, n.bias, p, need)],
  kfac: { block: 'dense', params: (n) => (n.bias ? [n.weight, n.bias] : [n.weight]), inputs: (_n, [a]) => a },
};
