import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from './objective.js';
import type { ModelDef } from '../models/zoo.js';
import { parameterCount, type LayerNode, type ModelSpec } from '../models/spec.js';
import { ParamTable } from './param-table.js';
import { forwardPass, type ForwardRecord } from './forward-pass.js';
import { backwardPass, type BackwardRecord } from './backward-pass.js';
import { tangentPass } from './tangent-pass.js';
import { lossForward, type LossCache } from './layers/loss.js';
import type { BatchNormCache } from './layers/batchnorm.js';
import { hessianByBatches } from './hessian.js';
import { denseChain, denseChainHessian } from './dense-chain-hessian.js';
import { layerStatistics, type FisherLabels, type LayerStatistics, type LayerStatisticsSource } from './layer-statistics.js';
import { fisherLossScale } from './fisher-sampling.js';
import { chainLayout } from './dense-chain/chain-layout.js';
import { denseKernelAvailable } from './dense-chain/dense-kernel.js';
import { DenseKernelObjective } from './dense-chain/kernel-objective.js';
import { readsSynchronously } from '../backend/reads.js';

/**
 * One minibatch. x: [batch, ...inputShape]; targets: [batch, outputs] for 'mse', class labels as
 * float [batch] for 'ce'; mask: [batch], 1 for real rows and 0 for padding rows.
 */
export interface Batch {
  x: tf.Tensor;
  /** 'mse': [B, outputs] (or [B] for one output); 'ce': class indices [B] */
  targets: tf.Tensor;
  /** float32 [B], 1 for real rows and 0 for padding; at least one real row (else the loss is NaN) */
  mask: tf.Tensor1D;
}

/** Batch statistics of every batch-norm layer, from the forward pass in training mode. */
export type BatchNormStatistics = Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;

export interface ModelObjective extends Objective, LayerStatisticsSource {
  /** batch statistics (training mode) for updating the running averages; caller owns the tensors */
  batchNormStatistics(): BatchNormStatistics;
  /** frees the cached passes; the Objective must not be used afterwards */
  dispose(): void;
}

export interface ModelObjectiveOptions {
  /** verify that every parameter is finite (one device read); default true */
  checkFinite?: boolean;
  /** directions per batched HVP when building the explicit Hessian by products */
  hessianChunk?: number;
  /** build the explicit Hessian from batched HVPs even for a plain MLP (which has a faster direct route) */
  hessianByProducts?: boolean;
  /**
   * Which engine computes loss, gradient and H v: 'layers' (one TensorFlow.js kernel per layer
   * operation, any model), 'dense-kernel' (the dense-chain WebAssembly kernel: MLPs only, the same
   * float32 arithmetic at a fraction of the cost; see dense-chain/chain-passes.ts) or 'auto'
   * (default): the dense kernel for an MLP on the wasm backend, unless env SFN_ENGINE=layers.
   */
  engine?: ObjectiveEngine;
}

export type ObjectiveEngine = 'auto' | 'layers' | 'dense-kernel';

/** whether 'auto' picks the dense-chain kernel for this model on the current backend */
export function denseKernelEngineApplies(def: ModelDef): boolean {
  return tf.getBackend() === 'wasm' && process.env.SFN_ENGINE?.trim() !== 'layers' && denseKernelAvailable() && chainLayout(def) !== null;
}

/**
 * The Objective of a model on one batch, with exact curvature products from a hand-written
 * Pearlmutter R-operator pass (forward mode on the forward pass, then the backward pass of the
 * pair): about two gradients' cost per product and no nested tape, so TensorFlow.js's
 * second-order gradients are never used. The forward and backward passes are computed once and
 * kept for every product on the same parameters and batch.
 */
export function modelObjective(def: ModelDef, params: tf.Tensor1D, batch: Batch, opts: ModelObjectiveOptions = {}): ModelObjective {
  const size = parameterCount(def.spec);
  if (params.rank !== 1 || params.shape[0] !== size) {
    throw new Error(`model ${def.spec.name} has ${size} parameters, but the parameter vector has shape [${params.shape.join(', ')}]`);
  }
  if (opts.checkFinite ?? true) {
    if (!readsSynchronously()) {
      throw new Error(
        `modelObjective: checking that the parameters are finite reads them, which the ${tf.getBackend()} backend can only do ` +
          'asynchronously: `await assertFiniteAsync(params, what)` first, then pass { checkFinite: false }',
      );
    }
    assertFinite(params, `parameters of ${def.spec.name}`);
  }
  validateBatch(def, batch);
  const engine = opts.engine ?? 'auto';
  const layers = () => new RopObjective(def, params, batch, opts);
  if (engine === 'layers' || (engine === 'auto' && !denseKernelEngineApplies(def))) return layers();
  const layout = chainLayout(def);
  if (layout === null) throw new Error(`the dense-kernel engine computes chains of dense layers only; ${def.spec.name} is not one (use engine 'layers')`);
  return new DenseKernelObjective(layout, params, batch, layers, def.spec);
}

class RopObjective implements ModelObjective {
  readonly size: number;
  private readonly table: ParamTable;
  private fwd: (ForwardRecord & { loss: tf.Scalar; gy: tf.Tensor; lossCache: LossCache }) | null = null;
  private bwd: (BackwardRecord & { grad: tf.Tensor1D }) | null = null;
  private disposed = false;
  /** the batch tensors appear in the forward record (node 0) but belong to the caller */
  private readonly callerTensors: ReadonlySet<tf.Tensor>;

  /** params and batch are checked by modelObjective */
  constructor(private readonly def: ModelDef, params: tf.Tensor1D, private readonly batch: Batch, private readonly opts: ModelObjectiveOptions) {
    this.size = parameterCount(def.spec);
    this.callerTensors = new Set<tf.Tensor>([batch.x, batch.targets, batch.mask]);
    this.table = new ParamTable(def.spec, params);
  }

  private forward() {
    this.assertLive();
    if (this.fwd === null) {
      this.fwd = tidyKeep(this.callerTensors, () => {
        const rec = forwardPass(this.def.spec, this.table, this.batch.x);
        const out = rec.values[rec.values.length - 1];
        const { loss, gy, cache } = lossForward(this.def.loss, out, this.batch.targets, this.batch.mask);
        return { ...rec, loss, gy, lossCache: cache };
      });
    }
    return this.fwd!;
  }

  private backward() {
    const f = this.forward();
    if (this.bwd === null) {
      this.bwd = tidyKeep(this.callerTensors, () => {
        const rec = backwardPass(this.def.spec, this.table, f, f.gy);
        const grad = tf.reshape(this.table.flatten(rec.paramGrads, 1), [this.size]) as tf.Tensor1D;
        return { ...rec, paramGrads: new Map<string, tf.Tensor>(), grad };
      });
    }
    return this.bwd!;
  }

  loss(): tf.Scalar {
    return this.forward().loss.clone();
  }

  grad(): tf.Tensor1D {
    return this.backward().grad.clone();
  }

  lossAndGrad(): { loss: tf.Scalar; grad: tf.Tensor1D } {
    return { loss: this.loss(), grad: this.grad() };
  }

  hvp(v: tf.Tensor1D): tf.Tensor1D {
    if (v.rank !== 1 || v.shape[0] !== this.size) {
      throw new Error(`hvp: direction must have shape [${this.size}] (the parameter count of ${this.def.spec.name}), got [${v.shape.join(', ')}]`);
    }
    return tf.tidy(() => tf.reshape(this.hvpBatch(tf.reshape(v, [1, this.size]) as tf.Tensor2D), [this.size]) as tf.Tensor1D);
  }

  hvpBatch(vs: tf.Tensor2D): tf.Tensor2D {
    if (vs.rank !== 2 || vs.shape[1] !== this.size) {
      throw new Error(`hvpBatch: directions must have shape [k, ${this.size}], got [${vs.shape.join(', ')}]`);
    }
    const f = this.forward();
    const b = this.backward();
    return tf.tidy(() => {
      const dirs = this.table.directions(vs);
      const products = tangentPass(this.def.spec, this.table, dirs, vs.shape[0], f, b, f.lossCache);
      return this.table.flatten(products, vs.shape[0]) as tf.Tensor2D;
    });
  }

  async hessian(): Promise<Float64Array> {
    const chain = this.opts.hessianByProducts ? null : denseChain(this.def.spec);
    if (chain === null) return hessianByBatches(this, this.opts.hessianChunk ?? 64);
    const f = this.forward();
    return denseChainHessian(chain, this.size, this.table, f, this.backward(), f.lossCache);
  }

  /** a forward and a backward pass on this batch at other parameters; nothing is cached */
  at(params: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D } {
    this.assertLive();
    if (params.rank !== 1 || params.shape[0] !== this.size) {
      throw new Error(`at: parameters must have shape [${this.size}] (the parameter count of ${this.def.spec.name}), got [${params.shape.join(', ')}]`);
    }
    const table = new ParamTable(this.def.spec, params);
    try {
      return tf.tidy(() => {
        const rec = forwardPass(this.def.spec, table, this.batch.x);
        const out = rec.values[rec.values.length - 1];
        const { loss, gy } = lossForward(this.def.loss, out, this.batch.targets, this.batch.mask);
        const back = backwardPass(this.def.spec, table, rec, gy);
        const grad = tf.reshape(table.flatten(back.paramGrads, 1), [this.size]) as tf.Tensor1D;
        return { loss, grad };
      });
    } finally {
      table.dispose();
    }
  }

  get modelSpec(): ModelSpec {
    return this.def.spec;
  }

  layerStatistics(labels: FisherLabels, otherParams: readonly string[] = []): Promise<LayerStatistics> {
    const f = this.forward();
    return layerStatistics({ def: this.def, table: this.table, forward: f, lossCache: f.lossCache, batch: this.batch }, labels, otherParams);
  }

  gaussNewtonProduct(v: tf.Tensor1D): tf.Tensor1D {
    if (v.rank !== 1 || v.shape[0] !== this.size) {
      throw new Error(`gaussNewtonProduct: direction must have shape [${this.size}] (the parameter count of ${this.def.spec.name}), got [${v.shape.join(', ')}]`);
    }
    return tf.tidy(() => tf.reshape(this.gaussNewtonProductBatch(tf.reshape(v, [1, this.size]) as tf.Tensor2D), [this.size]) as tf.Tensor1D);
  }

  gaussNewtonProductBatch(vs: tf.Tensor2D): tf.Tensor2D {
    if (vs.rank !== 2 || vs.shape[1] !== this.size) {
      throw new Error(`gaussNewtonProductBatch: directions must have shape [k, ${this.size}], got [${vs.shape.join(', ')}]`);
    }
    const f = this.forward();
    const b = this.backward();
    return tf.tidy(() => {
      const dirs = this.table.directions(vs);
      const gaussNewton = { lossScale: fisherLossScale(this.def.loss) };
      const products = tangentPass(this.def.spec, this.table, dirs, vs.shape[0], f, b, f.lossCache, { gaussNewton });
      return this.table.flatten(products, vs.shape[0]) as tf.Tensor2D;
    });
  }

  batchNormStatistics(): BatchNormStatistics {
    const f = this.forward();
    const out: BatchNormStatistics = new Map();
    this.def.spec.nodes.forEach((n: LayerNode, i) => {
      if (n.op === 'batchnorm') {
        const c = f.caches[i] as BatchNormCache;
        out.set(n.state, { mean: c.mean.clone(), variance: c.variance.clone() });
      }
    });
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const own = [...collectTensors(this.fwd), ...collectTensors(this.bwd)].filter((t) => !this.callerTensors.has(t));
    tf.dispose(own);
    this.table.dispose();
    this.fwd = null;
    this.bwd = null;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this Objective has been disposed');
  }
}

function validateBatch(def: ModelDef, batch: Batch): void {
  const want = def.spec.inputShape;
  const got = batch.x.shape.slice(1);
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`model ${def.spec.name} expects inputs of shape [batch, ${want.join(', ')}], got [${batch.x.shape.join(', ')}]`);
  }
  const rows = batch.x.shape[0];
  if (batch.mask.shape[0] !== rows || batch.targets.shape[0] !== rows) {
    throw new Error(`batch rows disagree: inputs ${rows}, targets ${batch.targets.shape[0]}, mask ${batch.mask.shape[0]}`);
  }
  const perRow = def.loss === 'mse' ? def.spec.outputSize : 1;
  if (batch.targets.size !== rows * perRow) {
    const want = def.loss === 'mse' ? `[${rows}, ${perRow}]` : `[${rows}] (class indices, not one-hot)`;
    throw new Error(`model ${def.spec.name} with loss ${def.loss} expects targets of shape ${want}, got [${batch.targets.shape.join(', ')}]`);
  }
  if (batch.mask.dtype !== 'float32') {
    // an integer mask would divide as integers and weight every row 0
    throw new Error(`the batch mask must be float32 (1 for real rows, 0 for padding), got ${batch.mask.dtype}`);
  }
}

/** throws, naming the first non-finite entry, unless every entry of t is finite; reads synchronously (not on webgpu) */
export function assertFinite(t: tf.Tensor, what: string): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(t))).dataSync()[0]);
  if (bad) throwNonFinite(t.dataSync(), what);
}

/** assertFinite with asynchronous reads, for every backend (webgpu included) */
export async function assertFiniteAsync(t: tf.Tensor, what: string): Promise<void> {
  const flag = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(t))));
  let bad: number;
  try {
    bad = (await flag.data())[0];
  } finally {
    flag.dispose();
  }
  if (bad) throwNonFinite(await t.data(), what);
}

function throwNonFinite(values: tf.TypedArray | ArrayLike<number>, what: string): never {
  const i = Array.prototype.findIndex.call(values, (x: number) => !Number.isFinite(x));
  throw new Error(`${what}: non-finite value ${values[i]} at index ${i}; the run has diverged or the input is corrupt`);
}

/** every tensor reachable from a plain object/array/map structure */
function collectTensors(x: unknown, out: tf.Tensor[] = []): tf.Tensor[] {
  if (x instanceof tf.Tensor) out.push(x);
  else if (Array.isArray(x)) x.forEach((y) => collectTensors(y, out));
  else if (x instanceof Map) x.forEach((y) => collectTensors(y, out));
  else if (x !== null && typeof x === 'object') Object.values(x).forEach((y) => collectTensors(y, out));
  return out;
}

/**
 * Like tf.tidy for any structure: frees intermediates, keeps (tf.keep) every tensor the result
 * holds except the caller's own (which keep the lifetime the caller gave them).
 */
function tidyKeep<T>(callers: ReadonlySet<tf.Tensor>, fn: () => T): T {
  let out: T | undefined;
  const kept = tf.tidy(() => {
    out = fn();
    return collectTensors(out).filter((t) => !callers.has(t));
  });
  kept.forEach((t) => tf.keep(t));
  return out as T;
}
