import * as tf from '@tensorflow/tfjs-core';
import { mergeK, type ParamAccess, type Tangent } from './types.js';

/**
 * z = a W + b  (a [B, d], W [d, u]).
 *   R(z)   = R(a) W + a V_W + V_b
 *   g_a    = g_z W^T,                 g_W = a^T g_z,  g_b = sum_B g_z
 *   R(g_a) = R(g_z) W^T + g_z V_W^T
 *   R(g_W) = R(a)^T g_z + a^T R(g_z), R(g_b) = sum_B R(g_z)
 */
export function denseForward(a: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined): tf.Tensor {
  return tf.fused.matMul({ a: a as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
}

export function denseBackward(
  a: tf.Tensor, gz: tf.Tensor, weight: string, bias: string | undefined, p: ParamAccess, needInput: boolean,
): tf.Tensor | null {
  p.accumulate(weight, tf.matMul(a as tf.Tensor2D, gz as tf.Tensor2D, true, false));
  if (bias) p.accumulate(bias, tf.sum(gz, 0));
  return needInput ? tf.matMul(gz as tf.Tensor2D, p.value(weight) as tf.Tensor2D, false, true) : null;
}

export function denseRForward(a: tf.Tensor, ra: Tangent, weight: string, bias: string | undefined, p: ParamAccess): tf.Tensor {
  const k = p.k;
  const w = p.value(weight) as tf.Tensor2D;
  const vw = p.direction(weight); // [K, d, u]
  const [batch] = a.shape;
  const units = w.shape[1];
  // a V_W for every direction: one broadcast batched matmul [1,B,d] x [K,d,u]
  let rz: tf.Tensor =
    k === 1
      ? tf.matMul(a as tf.Tensor2D, vw.reshape(w.shape) as tf.Tensor2D).reshape([1, batch, units])
      : tf.matMul(a.reshape([1, ...a.shape]) as tf.Tensor3D, vw as tf.Tensor3D);
  if (ra !== null) rz = tf.add(rz, tf.matMul(mergeK(ra) as tf.Tensor2D, w).reshape([k, batch, units]));
  if (bias) rz = tf.add(rz, p.direction(bias).reshape([k, 1, units]));
  return rz;
}

export function denseRBackward(
  a: tf.Tensor, ra: Tangent, gz: tf.Tensor, rgz: Tangent, weight: string, bias: string | undefined,
  p: ParamAccess, needInput: boolean,
): Tangent {
  const k = p.k;
  const w = p.value(weight) as tf.Tensor2D;
  const [batch, d] = a.shape;
  const units = w.shape[1];
  // R(g_W) = R(a)^T g_z + a^T R(g_z)
  let rgw: tf.Tensor | null = null;
  if (rgz !== null) {
    rgw = k === 1
      ? tf.matMul(a as tf.Tensor2D, rgz.reshape([batch, units]) as tf.Tensor2D, true, false).reshape([1, d, units])
      : tf.matMul(a.reshape([1, batch, d]) as tf.Tensor3D, rgz as tf.Tensor3D, true, false);
    if (bias) p.accumulate(bias, tf.sum(rgz, 1));
  }
  if (ra !== null) {
    const t = k === 1
      ? tf.matMul(ra.reshape([batch, d]) as tf.Tensor2D, gz as tf.Tensor2D, true, false).reshape([1, d, units])
      : tf.matMul(ra as tf.Tensor3D, gz.reshape([1, batch, units]) as tf.Tensor3D, true, false);
    rgw = rgw === null ? t : tf.add(rgw, t);
  }
  if (rgw !== null) p.accumulate(weight, rgw);
  if (!needInput) return null;
  // R(g_a) = R(g_z) W^T + g_z V_W^T
  const vw = p.direction(weight);
  let rga: tf.Tensor =
    k === 1
      ? tf.matMul(gz as tf.Tensor2D, vw.reshape([d, units]) as tf.Tensor2D, false, true).reshape([1, batch, d])
      : tf.matMul(gz.reshape([1, batch, units]) as tf.Tensor3D, vw as tf.Tensor3D, false, true);
  if (rgz !== null) rga = tf.add(rga, tf.matMul(mergeK(rgz) as tf.Tensor2D, w, false, true).reshape([k, batch, d]));
  return rga;
}
