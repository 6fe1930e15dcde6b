import type * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import { kindOf, nodeInputs } from './layers/registry.js';
import { addTangents } from './layers/types.js';

export interface BackwardRecord {
  /** gradient of the loss w.r.t. each node's value (null where it does not depend on the parameters) */
  nodeGrads: (tf.Tensor | null)[];
  /** what each node's kind keeps for the curvature pass (its own type, opaque here) */
  backs: unknown[];
  paramGrads: Map<string, tf.Tensor>;
}

/**
 * Reverse pass from the gradient of the loss w.r.t. the model output. `wanted` limits the
 * parameter gradients computed (all when omitted; a pass for layer statistics needs few or none).
 */
export function backwardPass(
  spec: ModelSpec, table: ParamTable, f: ForwardRecord, gOut: tf.Tensor, wanted?: ReadonlySet<string>,
): BackwardRecord {
  const { access: p, sums } = table.access(1, null, wanted);
  const nodes = spec.nodes;
  const g: (tf.Tensor | null)[] = nodes.map(() => null);
  const backs: unknown[] = nodes.map(() => null);
  g[nodes.length - 1] = gOut;
  const dep = f.dependsOnParams;
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i];
    const gy = g[i];
    if (gy === null) continue;
    const ins = nodeInputs(n);
    const xs = ins.map((j) => f.values[j]);
    const needInput = ins.map((j) => dep[j]);
    const { gxs, back } = kindOf(n).backward(n, { xs, y: f.values[i], cache: f.caches[i], gy, p, needInput });
    backs[i] = back;
    ins.forEach((j, k) => {
      if (dep[j]) g[j] = addTangents(g[j], gxs[k]);
    });
  }
  return { nodeGrads: g, backs, paramGrads: sums };
}
