import * as tf from '@tensorflow/tfjs-core';
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
const bmm = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
const t3 = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1]);

export function denseForward(a: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor {
  return tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
}

export function denseBackward(
  o: DenseOperands, gz: tf.Tensor, weight: string, bias: string | undefined, p: ParamAccess, needInput: boolean,
): tf.Tensor | null {
  p.accumulate(weight, mm(o.aT, gz));
  if (bias) p.accumulate(bias, tf.sum(gz, 0));
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
    rz = ra === null
      ? mm(a, vw.reshape(w.shape))
      : mm(tf.concat([a, ra.reshape(a.shape)], 1), tf.concat([vw.reshape(w.shape), w], 0));
    rz = rz.reshape([1, batch, units]);
  } else {
    rz = bmm(a.reshape([1, ...a.shape]), vw);
    if (ra !== null) rz = tf.add(rz, mm(mergeK(ra), w).reshape([k, batch, units]));
  }
  if (bias) rz = tf.add(rz, p.direction(bias).reshape([k, 1, units]));
  return rz;
}

export function denseRBackward(
  o: DenseOperands, ra: Tangent, gz: tf.Tensor, rgz: Tangent, weight: string, bias: string | undefined,
  p: ParamAccess, needInput: boolean,
): Tangent {
  const k = p.k;
  const [batch, d] = o.a.shape;
  const units = p.value(weight).shape[1] as number;
  // R(g_W) = a^T R(g_z) + R(a)^T g_z
  if (k === 1) {
    let rgw: tf.Tensor | null = null;
    if (rgz !== null && ra !== null) {
      rgw = mm(tf.concat([o.aT, tf.transpose(ra.reshape([batch, d]))], 1), tf.concat([rgz.reshape([batch, units]), gz], 0));
    } else if (rgz !== null) {
      rgw = mm(o.aT, rgz.reshape([batch, units]));
    } else if (ra !== null) {
      rgw = mm(tf.transpose(ra.reshape([batch, d])), gz);
    }
    if (rgw !== null) p.accumulate(weight, rgw.reshape([1, d, units]));
  } else {
    let rgw: tf.Tensor | null = null;
    if (rgz !== null) rgw = bmm(o.aT.reshape([1, d, batch]), rgz);
    if (ra !== null) {
      const t = bmm(t3(ra), gz.reshape([1, batch, units]));
      rgw = rgw === null ? t : tf.add(rgw, t);
    }
    if (rgw !== null) p.accumulate(weight, rgw);
  }
  if (bias && rgz !== null) p.accumulate(bias, tf.sum(rgz, 1));
  if (!needInput) return null;
  // R(g_a) = R(g_z) W^T + g_z V_W^T
  const vw = p.direction(weight);
  if (k === 1) {
    const vT = tf.transpose(vw.reshape([d, units]));
    const out = rgz === null ? mm(gz, vT) : mm(tf.concat([rgz.reshape([batch, units]), gz], 1), tf.concat([o.wT!, vT], 0));
    return out.reshape([1, batch, d]);
  }
  let rga = bmm(gz.reshape([1, batch, units]), t3(vw));
  if (rgz !== null) rga = tf.add(rga, mm(mergeK(rgz), o.wT!).reshape([k, batch, d]));
  return rga;
}
