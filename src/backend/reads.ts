import * as tf from '@tensorflow/tfjs-core';

/**
 * Backends whose tensors can be read synchronously (dataSync, arraySync) in Node. webgpu's
 * synchronous read needs a browser's OffscreenCanvas, so code that may run there reads with
 * `await tensor.data()`; a few host-side checks that are synchronous by nature ask this first.
 */
const ASYNCHRONOUS_ONLY = new Set(['webgpu', 'webgl']);

export function readsSynchronously(backend: string = tf.getBackend()): boolean {
  return !ASYNCHRONOUS_ONLY.has(backend);
}
