import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchNormStatistics, ModelObjective } from '../model-objective.js';
import type { HostProducts } from '../objective.js';
import type { FisherLabels, LayerStatistics } from '../layer-statistics.js';
import type { ChainLayout } from './chain-layout.js';
import type { ModelSpec } from '../../models/spec.js';
import { ChainBatch, ChainPasses } from './chain-passes.js';
import { acquireWorkspace, releaseWorkspace, type KernelWorkspace } from './dense-kernel.js';

/**
 * The Objective of a dense chain (an MLP) on one batch, computed by the dense-chain kernel
 * (chain-passes.ts): loss, gradient, H v and the point evaluations of a step, each one WebAssembly
 * pass over the batch kept in the kernel's memory, with the results handed back as tensors. What the
 * kernel does not compute (the explicit Hessian, KFAC's layer statistics, Gauss-Newton products) is
 * delegated to the layers' engine (`layers`), built on first use.
 */
export class DenseKernelObjective implements ModelObjective, HostProducts {
  readonly size: number;
  private ws: KernelWorkspace | null;
  private readonly batchData: ChainBatch;
  private readonly passes: ChainPasses;
  private layersObjective: ModelObjective | null = null;

  constructor(
    private readonly layout: ChainLayout, params: tf.Tensor1D, batch: Batch, private readonly layers: () => ModelObjective,
    readonly modelSpec: ModelSpec,
  ) {
    this.size = layout.size;
    const ws = acquireWorkspace();
    try {
      const rows = batch.x.shape[0] as number;
      this.batchData = new ChainBatch(ws, layout, batchFloats(batch.x), batchFloats(batch.targets), batchFloats(batch.mask), rows);
      this.passes = new ChainPasses(ws, layout, this.batchData, hostFloats(params));
    } catch (e) {
      releaseWorkspace(ws);
      throw e;
    }
    this.ws = ws;
  }

  private live(): KernelWorkspace {
    if (this.ws === null) throw new Error('this Objective has been disposed');
    return this.ws;
  }

  private fallback(): ModelObjective {
    this.live();
    this.layersObjective ??= this.layers();
    return this.layersObjective;
  }

  loss(): tf.Scalar {
    this.live();
    return tf.scalar(this.passes.loss());
  }

  grad(): tf.Tensor1D {
    this.live();
    return tf.tensor1d(this.passes.gradient());
  }

  lossAndGrad(): { loss: tf.Scalar; grad: tf.Tensor1D } {
    return { loss: this.loss(), grad: this.grad() };
  }

  hvp(v: tf.Tensor1D): tf.Tensor1D {
    if (v.rank !== 1 || v.shape[0] !== this.size) {
      throw new Error(`hvp: direction must have shape [${this.size}] (the parameter count of ${this.layout.name}), got [${v.shape.join(', ')}]`);
    }
    this.live();
    return tf.tensor1d(this.passes.hvp(hostFloats(v), 1));
  }

  hvpHost(v: Float32Array): Float32Array {
    if (v.length !== this.size) throw new Error(`hvpHost: direction must have ${this.size} entries (the parameter count of ${this.layout.name}), got ${v.length}`);
    this.live();
    return this.passes.hvp(v, 1);
  }

  hvpBatch(vs: tf.Tensor2D): tf.Tensor2D {
    if (vs.rank !== 2 || vs.shape[1] !== this.size) {
      throw new Error(`hvpBatch: directions must have shape [k, ${this.size}], got [${vs.shape.join(', ')}]`);
    }
    this.live();
    return tf.tensor2d(this.passes.hvp(hostFloats(vs), vs.shape[0]), [vs.shape[0], this.size]);
  }

  hessian(): Promise<Float64Array> {
    return this.fallback().hessian();
  }

  at(params: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D } {
    const ws = this.live();
    if (params.rank !== 1 || params.shape[0] !== this.size) {
      throw new Error(`at: parameters must have shape [${this.size}] (the parameter count of ${this.layout.name}), got [${params.shape.join(', ')}]`);
    }
    const mark = ws.mark();
    try {
      const passes = new ChainPasses(ws, this.layout, this.batchData, hostFloats(params));
      const loss = passes.loss();
      return { loss: tf.scalar(loss), grad: tf.tensor1d(passes.gradient()) };
    } finally {
      ws.release(mark);
    }
  }

  layerStatistics(labels: FisherLabels, otherParams?: readonly string[]): Promise<LayerStatistics> {
    return this.fallback().layerStatistics(labels, otherParams);
  }

  gaussNewtonProduct(v: tf.Tensor1D): tf.Tensor1D {
    return this.fallback().gaussNewtonProduct(v);
  }

  gaussNewtonProductBatch(vs: tf.Tensor2D): tf.Tensor2D {
    return this.fallback().gaussNewtonProductBatch(vs);
  }

  batchNormStatistics(): BatchNormStatistics {
    return new Map(); // a dense chain has no batch-norm layer
  }

  dispose(): void {
    if (this.ws === null) return;
    releaseWorkspace(this.ws);
    this.ws = null;
    this.layersObjective?.dispose();
    this.layersObjective = null;
  }
}

/**
 * The host copies of batch tensors, by tensor: a batch is usually given to many Objectives (every
 * step of full-batch training, the point evaluations of a step) and tensors never change, so each is
 * read from the backend once.
 */
const batchCopies = new WeakMap<tf.Tensor, Float32Array>();

function batchFloats(t: tf.Tensor): Float32Array {
  let values = batchCopies.get(t);
  if (values === undefined) {
    values = hostFloats(t);
    batchCopies.set(t, values);
  }
  return values;
}

/** a tensor's values on the host, as float32 */
function hostFloats(t: tf.Tensor): Float32Array {
  const values = t.dataSync();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}
