import type * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import type { BackwardRecord } from './backward-pass.js';
import { activationRBackward, activationRForward } from './layers/activation.js';
import { batchNormRBackward, batchNormRForward, type BatchNormTangent } from './layers/batchnorm.js';
import { maxPoolRBackward, maxPoolRForward } from './layers/maxpool.js';
import { convRBackward, convRForward } from './layers/conv.js';
import { denseRBackward, denseRForward } from './layers/dense.js';
import { lossRBackward, type LossCache } from './layers/loss.js';
import { addTangents, type Tangent } from './layers/types.js';
import { globalAvgPoolBackward, globalAvgPoolTangent } from './layers/shape-ops.js';

/**
 * Pearlmutter's R-operator for K parameter directions at once: the forward-mode tangents R(value)
 * of every node, then the reverse pass of the pair (value, tangent), which yields R(gradient) = H v
 * for each parameter. Returns per-parameter products [K, ...shape].
 */
export function tangentPass(
  spec: ModelSpec, table: ParamTable, dirs: Map<string, tf.Tensor>, k: number,
  f: ForwardRecord, b: BackwardRecord, lossCache: LossCache,
): Map<string, tf.Tensor> {
  const { access: p, sums } = table.access(k, dirs);
  const nodes = spec.nodes;
  const dep = f.dependsOnParams;
  const r: Tangent[] = [];
  const bnT: (BatchNormTangent | null)[] = [];
  // forward mode
  nodes.forEach((n, i) => {
    let t: Tangent = null;
    let bt: BatchNormTangent | null = null;
    switch (n.op) {
      case 'input':
        break;
      case 'dense':
        t = denseRForward(f.values[n.input], r[n.input], n.weight, n.bias, p);
        break;
      case 'conv2d':
        t = convRForward(f.values[n.input], r[n.input], n, p);
        break;
      case 'batchnorm':
        ({ ry: t, t: bt } = batchNormRForward(f.bn[i]!, r[n.input], n, p));
        break;
      case 'activation':
        t = activationRForward(f.act[i]!, r[n.input]);
        break;
      case 'maxpool':
        t = maxPoolRForward(f.pool[i]!, r[n.input], n);
        break;
      case 'globalavgpool':
        t = globalAvgPoolTangent(r[n.input]);
        break;
      case 'add':
        t = addTangents(r[n.inputs[0]], r[n.inputs[1]]);
        break;
      case 'flatten':
        t = r[n.input] === null ? null : r[n.input]!.reshape([k, ...f.values[i].shape]);
        break;
    }
    r.push(t);
    bnT.push(bt);
  });
  // reverse pass of the pair
  const rg: Tangent[] = nodes.map(() => null);
  rg[nodes.length - 1] = lossRBackward(lossCache, r[nodes.length - 1]);
  const send = (i: number, t: Tangent) => {
    if (dep[i]) rg[i] = addTangents(rg[i], t);
  };
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i];
    const gi = b.nodeGrads[i];
    const rgi = rg[i];
    if (gi === null) continue;
    switch (n.op) {
      case 'dense':
        send(n.input, denseRBackward(b.dense[i]!, r[n.input], gi, rgi, n.weight, n.bias, p, dep[n.input]));
        break;
      case 'conv2d':
        send(n.input, convRBackward(f.values[n.input], r[n.input], gi, rgi, n, p, dep[n.input]));
        break;
      case 'batchnorm':
        send(n.input, batchNormRBackward(f.bn[i]!, b.bnBack[i]!, bnT[i]!, gi, rgi, n, p));
        break;
      case 'activation':
        send(n.input, activationRBackward(f.act[i]!, gi, r[n.input], rgi));
        break;
      case 'maxpool':
        send(n.input, maxPoolRBackward(f.pool[i]!, rgi, n));
        break;
      case 'globalavgpool':
        send(n.input, globalAvgPoolBackward(rgi, f.values[n.input].shape, k));
        break;
      case 'add':
        send(n.inputs[0], rgi);
        send(n.inputs[1], rgi);
        break;
      case 'flatten':
        send(n.input, rgi === null ? null : rgi.reshape([k, ...f.values[n.input].shape]));
        break;
      case 'input':
        break;
    }
  }
  return sums;
}
