import * as tf from '@tensorflow/tfjs-core';
import { TfVectorSpace, type DotAccumulation } from './series/index.js';

/**
 * How the series optimisers reduce dot products and norms, chosen by the parameter count:
 * up to HOST_DOT_LIMIT entries the operands are downloaded and summed in float64 on the host
 * (exact products, one rounding per addition; ~1 ms for the Fashion-MNIST MLP's 40k entries);
 * above it (ResNet-18's 11M entries, where each host dot costs 0.3-0.7 s) the backend reduces
 * them on the device in float32 and one number is read.
 */
export const HOST_DOT_LIMIT = 1 << 20;

export function dotAccumulationFor(size: number): DotAccumulation {
  return size <= HOST_DOT_LIMIT ? 'float64' : 'backend';
}

export function seriesVectorSpace(size: number): TfVectorSpace {
  return new TfVectorSpace(dotAccumulationFor(size));
}

/**
 * Several dot products of flat vectors at once, as float64 numbers, read asynchronously (webgpu):
 * 'float64' downloads each distinct vector once and accumulates on the host; 'backend' reduces
 * every pair on the device and reads the stacked results.
 */
export async function dotProducts(pairs: readonly (readonly [tf.Tensor1D, tf.Tensor1D])[], mode: DotAccumulation): Promise<number[]> {
  if (pairs.length === 0) return [];
  if (mode === 'backend') {
    const packed = tf.tidy(() => tf.stack(pairs.map(([a, b]) => tf.sum(tf.mul(a, b)))));
    try {
      return Array.from(await packed.data());
    } finally {
      packed.dispose();
    }
  }
  const distinct = [...new Set(pairs.flat())];
  const values = await Promise.all(distinct.map((t) => t.data() as Promise<Float32Array>));
  const host = new Map(distinct.map((t, i) => [t, values[i]]));
  const read = (t: tf.Tensor1D): Float32Array => host.get(t) as Float32Array;
  return pairs.map(([a, b]) => {
    if (a.size !== b.size) throw new Error(`vector lengths differ: ${a.size} vs ${b.size}`);
    const x = read(a);
    const y = read(b);
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i] * y[i];
    return s;
  });
}
