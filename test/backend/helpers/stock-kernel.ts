import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from '../../../src/backend/kernel-fixes.js';

/** Runs the backend's own kernel that sfn replaced (the backend must be the active one). */
export function runStockKernel(kernelName: string, backendName: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor[] {
  const config = stockKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`no stock ${kernelName} kernel recorded for ${backendName}`);
  const out = config.kernelFunc({
    inputs: inputs as unknown as tf.NamedTensorInfoMap,
    attrs: attrs as tf.NamedAttrMap,
    backend: tf.backend(),
  });
  return (Array.isArray(out) ? out : [out]).map((info) => tf.engine().makeTensorFromTensorInfo(info));
}
