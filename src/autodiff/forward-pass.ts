import type * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { BatchNormRunning } from './layers/kind.js';
import { kindOf, nodeInputs, paramDependence } from './layers/registry.js';

export type { BatchNormRunning } from './layers/kind.js';
export { nodeInputs, paramDependence } from './layers/registry.js';

/** Everything the backward and curvature passes need from the forward pass, indexed by node. */
export interface ForwardRecord {
  values: tf.Tensor[];
  /** what each node's kind keeps for its later passes (its own type, opaque here) */
  caches: unknown[];
  /** whether the node's value depends on the parameters (else its gradient is never needed) */
  dependsOnParams: boolean[];
}

/** the values a node reads; node 0 (the input) reads the batch */
export function nodeArgs(spec: ModelSpec, i: number, values: tf.Tensor[], x: tf.Tensor): tf.Tensor[] {
  return i === 0 ? [x] : nodeInputs(spec.nodes[i]).map((j) => values[j]);
}

/** Training-mode forward pass (batch statistics) keeping every cache. */
export function forwardPass(spec: ModelSpec, table: ParamTable, x: tf.Tensor): ForwardRecord {
  const p = table.access(1, null).access;
  const rec: ForwardRecord = { values: [], caches: [], dependsOnParams: paramDependence(spec.nodes) };
  spec.nodes.forEach((n, i) => {
    const { y, cache } = kindOf(n).forward(n, nodeArgs(spec, i, rec.values, x), p);
    rec.values.push(y);
    rec.caches.push(cache);
  });
  return rec;
}

/**
 * Outputs only, without caches: evaluation mode with running batch-norm averages (`running`), or
 * training-mode batch statistics when `running` is omitted. Call inside tf.tidy.
 */
export function predict(spec: ModelSpec, table: ParamTable, x: tf.Tensor, running?: BatchNormRunning): tf.Tensor {
  const p = table.access(1, null).access;
  const values: tf.Tensor[] = [];
  spec.nodes.forEach((n, i) => values.push(kindOf(n).predict(n, nodeArgs(spec, i, values, x), p, running)));
  return values[values.length - 1];
}
