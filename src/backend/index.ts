import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

// MINIMAL PLACEHOLDER: the backend helper replaces this file (backend choice, optional tfjs-node,
// second-order-safe gradient registrations, wasm kernel fixes). Keep the exported signature.
export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';

export async function initBackend(name?: string): Promise<BackendName> {
  const chosen = (name ?? process.env.SFN_BACKEND ?? 'wasm') as BackendName;
  await tf.setBackend(chosen);
  await tf.ready();
  return chosen;
}
