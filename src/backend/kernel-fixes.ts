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
  /** install only where the backend has no kernel of its own */
  onlyIfMissing: boolean;
}

/** Kernels sfn registers: pooling backward everywhere (one convention), the filter gradient where absent. */
export const KERNEL_FIXES: readonly KernelFix[] = [
  { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGradKernel, onlyIfMissing: false },
  { kernelName: tf.MaxPoolWithArgmax, kernelFunc: maxPoolWithArgmaxKernel, onlyIfMissing: false },
  { kernelName: tf.AvgPoolGrad, kernelFunc: avgPoolGradKernel, onlyIfMissing: false },
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2dBackpropFilterKernel, onlyIfMissing: true },
];

const stock = new Map<string, tf.KernelConfig>();

/** The backend's own kernel that a fix replaced (for tests that compare with or expose it). */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return stock.get(`${backendName}/${kernelName}`);
}

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
    const existing = tf.getKernel(fix.kernelName, backendName);
    if (existing?.kernelFunc === fix.kernelFunc) continue;
    if (existing !== undefined && fix.onlyIfMissing) continue;
    if (existing !== undefined) {
      stock.set(`${backendName}/${fix.kernelName}`, existing);
      tf.unregisterKernel(fix.kernelName, backendName);
    }
    tf.registerKernel({ kernelName: fix.kernelName, backendName, kernelFunc: fix.kernelFunc });
  }
}

/** True when every gradient and kernel fix is in place for the backend. */
export function kernelFixesInstalled(backendName: string): boolean {
  return (
    SECOND_ORDER_GRADIENTS.every((c) => tf.getGradient(c.kernelName) === c) &&
    KERNEL_FIXES.every((f) => tf.getKernel(f.kernelName, backendName) !== undefined)
  );
}
