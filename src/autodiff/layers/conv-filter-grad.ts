import * as tf from '@tensorflow/tfjs-core';
import { samePads, type Padding } from '../../models/spec.js';

/**
 * Filter gradient of an NHWC conv2d, F(x, dy)[i, j, c, o] = sum_{n,p,q} xpad[n, p*s + i, q*s + j, c] dy[n, p, q, o],
 * written as an ordinary conv2d so that every backend runs it (wasm has no Conv2DBackpropFilter):
 * batch and channels of x swap places, dy becomes the filter, and the stride becomes a dilation.
 */
export function conv2dBackpropFilter(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], stride: number, padding: Padding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = filterShape;
    const [, h, w] = x.shape;
    const padH = padding === 'same' ? samePads(h, kh, stride) : [0, 0];
    const padW = padding === 'same' ? samePads(w, kw, stride) : [0, 0];
    const xp = padH[0] + padH[1] + padW[0] + padW[1] > 0 ? tf.pad(x, [[0, 0], padH as [number, number], padW as [number, number], [0, 0]]) : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [C, Hp, Wp, N]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [OH, OW, N, O]
    let out = stride === 1 ? tf.conv2d(xt, f, 1, 'valid') : tf.conv2d(xt, f, 1, 'valid', 'NHWC', stride); // [C, >=kh, >=kw, O]
    if (out.shape[1] !== kh || out.shape[2] !== kw) out = tf.slice(out, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
