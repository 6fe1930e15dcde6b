import type * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import { activationBackward } from './layers/activation.js';
import { batchNormBackward, type BatchNormBackwardCache } from './layers/batchnorm.js';
import { maxPoolBackward } from './layers/maxpool.js';
import { convBackward } from './layers/conv.js';
import { denseBackward, denseOperands, type DenseOperands } from './layers/dense.js';
import { addTangents } from './layers/types.js';
import { globalAvgPoolBackward } from './layers/shape-ops.js';

export interface BackwardRecord {
  /** gradient of the loss w.r.t. each node's value (null where it does not depend on the parameters) */
  nodeGrads: (tf.Tensor | null)[];
  bnBack: (BatchNormBackwardCache | null)[];
  dense: (DenseOperands | null)[];
  paramGrads: Map<string, tf.Tensor>;
}

/** Reverse pass from the gradient of the loss w.r.t. the model output. */
export function backwardPass(spec: ModelSpec, table: ParamTable, f: ForwardRecord, gOut: tf.Tensor): BackwardRecord {
  const { access: p, sums } = table.access(1, null);
  const nodes = spec.nodes;
  const g: (tf.Tensor | null)[] = nodes.map(() => null);
  const bnBack: (BatchNormBackwardCache | null)[] = nodes.map(() => null);
  const dense: (DenseOperands | null)[] = nodes.map(() => null);
  g[nodes.length - 1] = gOut;
  const dep = f.dependsOnParams;
  const send = (i: number, t: tf.Tensor | null) => {
    if (dep[i]) g[i] = addTangents(g[i], t);
  };
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i];
    const gi = g[i];
    if (gi === null) continue;
    switch (n.op) {
      case 'dense':
        dense[i] = denseOperands(f.values[n.input], p.value(n.weight), dep[n.input]);
        send(n.input, denseBackward(dense[i]!, gi, n.weight, n.bias, p, dep[n.input]));
        break;
      case 'conv2d':
        send(n.input, convBackward(f.values[n.input], gi, n, p, dep[n.input]));
        break;
      case 'batchnorm': {
        const { gx, back } = batchNormBackward(f.bn[i]!, gi, n, p);
        bnBack[i] = back;
        send(n.input, gx);
        break;
      }
      case 'activation':
        send(n.input, activationBackward(f.act[i]!, gi));
        break;
      case 'maxpool':
        if (dep[n.input]) send(n.input, maxPoolBackward(f.pool[i]!, gi, n));
        break;
      case 'globalavgpool':
        send(n.input, globalAvgPoolBackward(gi, f.values[n.input].shape));
        break;
      case 'add':
        send(n.inputs[0], gi);
        send(n.inputs[1], gi);
        break;
      case 'flatten':
        send(n.input, gi.reshape(f.values[n.input].shape));
        break;
      case 'input':
        break;
    }
  }
  return { nodeGrads: g, bnBack, dense, paramGrads: sums };
}
