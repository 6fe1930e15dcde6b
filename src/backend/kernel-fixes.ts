import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './conv-backprop-filter.js';
import { comparisonGradients } from './gradients/comparisons.js';
import { conv2dBackpropFilterGradient, conv2dBackpropInputGradient } from './gradients/conv.js';
import {
  eluGradient,
  expGradient,
  powGradient,
  sigmoidGradient,
  softmaxGradient,
  tanhGradient,
} from './gradients/elementwise.js';
import { avgPoolGradGradient, avgPoolGradient, maxPoolGradGradient, maxPoolGradient } from './gradients/pool.js';
import { maxGradient, minGradient } from './gradients/reductions.js';
import { avgPoolGradKernel, maxPoolGradKernel, maxPoolWithArgmaxKernel } from './pool-kernels.js';
import { rememberStockKernel } from './stock-kernels.js';
import { WEBGPU_KERNEL_FIXES } from './webgpu-kernels.js';

/**
 * Every gradient sfn replaces or adds, registered through tf.registerGradient. (LogSoftmax is
 * avoided rather than fixed: tf.logSoftmax never runs a LogSoftmax kernel, it is a customGrad
 * op; see safe-ops.ts.)
 */
export const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = [
  tanhGradient,
  sigmoidGradient,
  expGradient,
  eluGradient,
  powGradient,
  softmaxGradient,
  maxGradient,
  minGradient,
  ...comparisonGradients,
  conv2dBackpropFilterGradient,
  conv2dBackpropInputGradient,
  maxPoolGradient,
  maxPoolGradGradient,
  avgPoolGradient,
  avgPoolGradGradient,
];

interface KernelFix {
  kernelName: string;
  kernelFunc: tf.KernelFunc;
  /** backends that get it (replacing their own kernel, if any) */
  backends: 'all' | readonly string[];
}

/**
 * Kernels sfn registers: pooling backward everywhere (one convention for first and second
 * derivatives); the conv filter gradient on wasm, which has none, and on cpu, whose own kernel
 * is 30-45x slower (1.9 s against 65 ms for x [8,8,8,64], 3x3x64x64; 2.3 s against 52 ms for
 * the 7x7 stride-2 stem on [8,32,32,3]). tfjs-node keeps TensorFlow's native filter gradient.
 * On webgpu, wrappers that keep its kernels away from ranks 5 and 6, where some fail
 * (webgpu-kernels.ts).
 */
export const KERNEL_FIXES: readonly KernelFix[] = [
  { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGradKernel, backends: 'all' },
  { kernelName: tf.MaxPoolWithArgmax, kernelFunc: maxPoolWithArgmaxKernel, backends: 'all' },
  { kernelName: tf.AvgPoolGrad, kernelFunc: avgPoolGradKernel, backends: 'all' },
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilterKernel, backends: ['wasm', 'cpu'] },
  ...WEBGPU_KERNEL_FIXES.map((f) => ({ ...f, backends: ['webgpu'] })),
];

function appliesTo(fix: KernelFix, backendName: string): boolean {
  return fix.backends === 'all' || fix.backends.includes(backendName);
}

export { stockKernel } from './stock-kernels.js';

/**
 * Installs the gradients and kernels above for `backendName`. Idempotent: entries that are
 * already ours are left alone, so calling it again costs a few map lookups, and anything that
 * re-registered tfjs's stock gradients in between (e.g. loading tfjs-node) is overridden again.
 */
export function installKernelFixes(backendName: string): void {
  for (const config of SECOND_ORDER_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
  for (const fix of KERNEL_FIXES) {
    if (!appliesTo(fix, backendName)) continue;
    const existing = tf.getKernel(fix.kernelName, backendName);
    if (existing?.kernelFunc === fix.kernelFunc) continue;
    if (existing !== undefined) {
      rememberStockKernel(fix.kernelName, backendName, existing);
      tf.unregisterKernel(fix.kernelName, backendName);
    }
    tf.registerKernel({ kernelName: fix.kernelName, backendName, kernelFunc: fix.kernelFunc });
  }
}

/** True when every gradient and kernel fix is in place for the backend. */
export function kernelFixesInstalled(backendName: string): boolean {
  return (
    SECOND_ORDER_GRADIENTS.every((c) => tf.getGradient(c.kernelName) === c) &&
    KERNEL_FIXES.every(
      (f) => !appliesTo(f, backendName) || tf.getKernel(f.kernelName, backendName)?.kernelFunc === f.kernelFunc,
    )
  );
}
