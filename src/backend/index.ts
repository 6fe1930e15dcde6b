import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import { BackendError, type BackendName, resolveBackendName } from './backend-names.js';
import { loadDefaultGradients, tapeGradientsLoaded } from './default-gradients.js';
import { installKernelFixes, kernelFixesInstalled } from './kernel-fixes.js';
import { loadNativeBackend, NATIVE_TFJS_BACKEND } from './optional-tfjs-node.js';
import { initWebGpuBackend } from './optional-webgpu.js';
import { formatAdapter, type WebGpuAdapterDescription } from './webgpu-adapter.js';
import { initWasmBackend, requestedWasmThreads } from './wasm-threads.js';

export type { WebGpuAdapterDescription } from './webgpu-adapter.js';
export { BACKEND_NAMES, BackendError, type BackendName, resolveBackendName } from './backend-names.js';
export { conv2dBackpropFilter } from './conv-backprop-filter.js';
export { logSoftmax, logSumExp, softmaxCrossEntropy, stopGradient } from './safe-ops.js';

export interface BackendOptions {
  /** wasm only: XNNPACK threads (default SFN_WASM_THREADS, else 1); fixed by the first init */
  threads?: number;
  /**
   * load tfjs-core's stock gradients so that tf.grad works for every kernel (default true).
   * About 0.5 s of module loading per process; code that never calls tf.grad (the
   * hand-written HVP engine) may pass false. The second-order fixes are installed either way.
   */
  tapeGradients?: boolean;
}

export interface BackendDescription {
  name: BackendName;
  /** threads the backend computes with (tensorflow: the cores TensorFlow may use) */
  threads: number;
  simd: boolean;
  /** tf.grad works for every tfjs-core kernel and is second-order safe (kernel fixes installed) */
  tapeGradients: boolean;
  /** webgpu only: the adapter it computes on */
  adapter?: WebGpuAdapterDescription;
}

let current: BackendDescription | undefined;

/**
 * Selects and initialises the backend: `name`, else env SFN_BACKEND, else 'wasm'. Loads
 * tfjs-core's gradients and installs sfn's second-order-safe gradients and kernels (once).
 * Throws BackendError for an unknown or uninstalled backend, naming the fix.
 */
export async function initBackend(name?: string, options: BackendOptions = {}): Promise<BackendName> {
  const chosen = resolveBackendName(name);
  const defaults = options.tapeGradients === false ? undefined : loadDefaultGradients();
  let threads = 1;
  let simd = false;
  let adapter: WebGpuAdapterDescription | undefined;
  if (chosen === 'webgpu') {
    adapter = await initWebGpuBackend();
  } else if (chosen === 'tensorflow' || chosen === 'tensorflow-gpu') {
    await loadNativeBackend(chosen);
    if (!(await tf.setBackend(NATIVE_TFJS_BACKEND))) {
      throw new BackendError(`Backend '${chosen}' is installed but failed to initialise (see the messages above).`);
    }
    threads = os.cpus().length;
    simd = true;
  } else if (chosen === 'wasm') {
    threads = await initWasmBackend(requestedWasmThreads(options.threads));
    simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  } else {
    if (!(await tf.setBackend('cpu'))) throw new BackendError(`The cpu backend failed to initialise.`);
    // tfjs-cpu greets Node users once with an advert for tfjs-node; sfn prints its own line.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
  await tf.ready();
  const loaded = await (defaults ?? tapeGradientsLoaded());
  installKernelFixes(tf.getBackend());
  current = {
    name: chosen,
    threads,
    simd,
    tapeGradients: loaded !== undefined && loaded.failed.length === 0 && kernelFixesInstalled(tf.getBackend()),
    ...(adapter && { adapter }),
  };
  return chosen;
}

/** What initBackend set up; every computing command prints formatBackend() of it. */
export function describeBackend(): BackendDescription {
  if (current === undefined) throw new Error('describeBackend: call initBackend() first.');
  return { ...current };
}

/**
 * One line for logs and command output, e.g. "backend wasm (SIMD, 1 thread)" or
 * "backend webgpu (nvidia ampere, NVIDIA A100, hardware)".
 */
export function formatBackend(d: BackendDescription = describeBackend()): string {
  if (d.adapter) return `backend ${d.name} (${formatAdapter(d.adapter)})`;
  const features = [d.simd ? 'SIMD' : 'no SIMD', `${d.threads} thread${d.threads === 1 ? '' : 's'}`];
  return `backend ${d.name} (${features.join(', ')})`;
}

/** Throws unless initBackend ran and tf.grad is complete and second-order safe. */
export function assertTapeGradients(): void {
  if (current === undefined) throw new Error('Call initBackend() before differentiating with tf.grad.');
  if (!current.tapeGradients) {
    throw new Error(
      `tf.grad is not available on backend '${current.name}': initBackend() ran with tapeGradients: false, ` +
        `or tfjs-core's stock gradients could not all be loaded (sfn must run through tsx, as its scripts do).`,
    );
  }
  if (!kernelFixesInstalled(tf.getBackend())) installKernelFixes(tf.getBackend());
}
