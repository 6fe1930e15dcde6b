import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import { activationForward, type ActivationCache } from './layers/activation.js';
import { batchNormForward, batchNormInference, type BatchNormCache } from './layers/batchnorm.js';
import { maxPoolForward, type MaxPoolCache } from './layers/maxpool.js';
import { convForward } from './layers/conv.js';
import { denseForward } from './layers/dense.js';
import { flattenShape, globalAvgPool } from './layers/shape-ops.js';

/** Everything the backward and curvature passes need from the forward pass, indexed by node. */
export interface ForwardRecord {
  values: tf.Tensor[];
  act: (ActivationCache | null)[];
  bn: (BatchNormCache | null)[];
  pool: (MaxPoolCache | null)[];
  /** whether the node's value depends on the parameters (else its gradient is never needed) */
  dependsOnParams: boolean[];
}

/** Running averages of the batch-norm layers, by state name, for evaluation mode. */
export type BatchNormRunning = Map<string, { mean: tf.Tensor; variance: tf.Tensor }>;

export function nodeInputs(n: LayerNode): number[] {
  if (n.op === 'input') return [];
  if (n.op === 'add') return n.inputs;
  return [n.input];
}

export function paramDependence(nodes: LayerNode[]): boolean[] {
  const dep: boolean[] = [];
  nodes.forEach((n) => {
    if (n.op === 'input') dep.push(false);
    else if (n.op === 'dense' || n.op === 'conv2d' || n.op === 'batchnorm') dep.push(true);
    else dep.push(nodeInputs(n).some((i) => dep[i]));
  });
  return dep;
}

/** Training-mode forward pass (batch statistics) keeping every cache. */
export function forwardPass(spec: ModelSpec, table: ParamTable, x: tf.Tensor): ForwardRecord {
  const p = table.access(1, null).access;
  const rec: ForwardRecord = { values: [], act: [], bn: [], pool: [], dependsOnParams: paramDependence(spec.nodes) };
  spec.nodes.forEach((n) => {
    let y: tf.Tensor;
    let act: ActivationCache | null = null;
    let bn: BatchNormCache | null = null;
    let pool: MaxPoolCache | null = null;
    const v = rec.values;
    switch (n.op) {
      case 'input':
        y = x;
        break;
      case 'dense':
        y = denseForward(v[n.input], p.value(n.weight), n.bias ? p.value(n.bias) : undefined);
        break;
      case 'conv2d':
        y = convForward(v[n.input], n, p);
        break;
      case 'batchnorm':
        ({ y, cache: bn } = batchNormForward(v[n.input], n, p));
        break;
      case 'activation':
        ({ y, cache: act } = activationForward(n.fn, v[n.input]));
        break;
      case 'maxpool':
        ({ y, cache: pool } = maxPoolForward(v[n.input], n));
        break;
      case 'globalavgpool':
        y = globalAvgPool(v[n.input]);
        break;
      case 'add':
        y = tf.add(v[n.inputs[0]], v[n.inputs[1]]);
        break;
      case 'flatten':
        y = v[n.input].reshape(flattenShape(v[n.input].shape));
        break;
    }
    rec.values.push(y);
    rec.act.push(act);
    rec.bn.push(bn);
    rec.pool.push(pool);
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
  for (const n of spec.nodes) {
    const v = values;
    switch (n.op) {
      case 'input':
        values.push(x);
        break;
      case 'dense':
        values.push(denseForward(v[n.input], p.value(n.weight), n.bias ? p.value(n.bias) : undefined));
        break;
      case 'conv2d':
        values.push(convForward(v[n.input], n, p));
        break;
      case 'batchnorm': {
        if (running === undefined) values.push(batchNormForward(v[n.input], n, p).y);
        else {
          const r = running.get(n.state);
          if (!r) throw new Error(`no running statistics for batch-norm layer ${n.state}`);
          values.push(batchNormInference(v[n.input], r.mean, r.variance, p.value(n.scale), p.value(n.offset)));
        }
        break;
      }
      case 'activation':
        values.push(n.fn === 'relu' ? tf.relu(v[n.input]) : n.fn === 'tanh' ? tf.tanh(v[n.input]) : tf.sigmoid(v[n.input]));
        break;
      case 'maxpool':
        values.push(tf.maxPool(v[n.input] as tf.Tensor4D, n.size, n.stride, n.padding));
        break;
      case 'globalavgpool':
        values.push(globalAvgPool(v[n.input]));
        break;
      case 'add':
        values.push(tf.add(v[n.inputs[0]], v[n.inputs[1]]));
        break;
      case 'flatten':
        values.push(v[n.input].reshape(flattenShape(v[n.input].shape)));
        break;
    }
  }
  return values[values.length - 1];
}
