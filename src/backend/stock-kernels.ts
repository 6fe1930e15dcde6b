import type * as tf from '@tensorflow/tfjs-core';

/** The backends' own kernels that sfn's kernel fixes replaced, by backend and kernel name. */
const stock = new Map<string, tf.KernelConfig>();

export function rememberStockKernel(kernelName: string, backendName: string, config: tf.KernelConfig): void {
  stock.set(`${backendName}/${kernelName}`, config);
}

/** The backend's own kernel that a fix replaced (for fixes that wrap it, and tests that compare with it). */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return stock.get(`${backendName}/${kernelName}`);
}
