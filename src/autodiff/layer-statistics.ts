import * as tf from '@tensorflow/tfjs-core';
import type { ModelDef } from '../models/zoo.js';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import { backwardPass } from './backward-pass.js';
import type { LossCache } from './layers/loss.js';
import type { KfacBlockKind } from './layers/kind.js';
import { kindOf, nodeInputs } from './layers/registry.js';
import { negLogLikelihoodGradient, sampleTargets } from './fisher-sampling.js';

/**
 * The targets whose per-example gradients feed the statistics:
 *  - 'sampled': one target per example drawn from the model's predictive distribution (the
 *    sampled Fisher, kfac-jax's 'fisher_gradients'), from `seed`;
 *  - 'data': the batch's own targets (the empirical Fisher, kfac-jax's 'fisher_empirical').
 * Both use kfac-jax's registered negative log-likelihood (for 'mse' twice our 0.5*MSE, see
 * fisher-sampling.ts).
 */
export type FisherLabels = { labels: 'sampled'; seed: number } | { labels: 'data' };

/** One layer's statistics, per example (rows of padding are zero in `outputGrads`). */
export interface LayerStatistic {
  /** the node's index in the model spec */
  node: number;
  block: KfacBlockKind;
  /** the parameters the layer's block covers, in block order */
  params: string[];
  /** dense: the layer input [B, d]; conv2d: the layer input [B, H, W, C]; batchnorm: the normalised input */
  inputs: tf.Tensor;
  /** gradients of sum_n -log p(t_n) w.r.t. the node's output: pre-activation for dense and conv2d, the output for batchnorm */
  outputGrads: tf.Tensor;
}

/** Everything KFAC needs from one batch. The caller owns every tensor (disposeLayerStatistics). */
export interface LayerStatistics {
  layers: LayerStatistic[];
  /** float32 [B]: 1 for real rows, 0 for padding (padding rows contribute nothing) */
  mask: tf.Tensor1D;
  /** N, the number of real rows: the statistics are averages over them */
  count: number;
  /** for the requested parameters no layer block covers: the sum over examples of their per-example gradients */
  paramGrads: Map<string, tf.Tensor>;
}

/** What an Objective offers KFAC and the Fisher-based quadratic model, besides the core methods. */
export interface LayerStatisticsSource {
  /** the model the statistics are of (KFAC builds one curvature block per layer from it) */
  readonly modelSpec: ModelSpec;
  /**
   * One backward pass of the per-example negative log-likelihood of `labels` (no parameter
   * gradients but those of `otherParams`), reusing the cached forward pass.
   */
  layerStatistics(labels: FisherLabels, otherParams?: readonly string[]): Promise<LayerStatistics>;
  /**
   * The Fisher / Gauss-Newton product G v = J^T H_loss J v of the batch's mean loss (divided by N),
   * with kfac-jax's factor (2 for 'mse'): about one gradient's cost, exact, float32.
   */
  gaussNewtonProduct(v: tf.Tensor1D): tf.Tensor1D;
  /** G V^T for many directions: V is [k, size], the result [k, size] */
  gaussNewtonProductBatch(vs: tf.Tensor2D): tf.Tensor2D;
}

export function isLayerStatisticsSource(o: object): o is LayerStatisticsSource {
  const s = o as Partial<LayerStatisticsSource>;
  return typeof s.layerStatistics === 'function' && typeof s.gaussNewtonProductBatch === 'function' && s.modelSpec !== undefined;
}

export function disposeLayerStatistics(s: LayerStatistics): void {
  tf.dispose([s.mask, ...s.layers.flatMap((l) => [l.inputs, l.outputGrads]), ...s.paramGrads.values()]);
}

export interface StatisticsContext {
  def: ModelDef;
  table: ParamTable;
  forward: ForwardRecord;
  lossCache: LossCache;
  batch: { targets: tf.Tensor; mask: tf.Tensor1D };
}

/** The layer statistics of a forward pass already made (see LayerStatisticsSource). */
export async function layerStatistics(c: StatisticsContext, labels: FisherLabels, otherParams: readonly string[] = []): Promise<LayerStatistics> {
  const { spec, loss } = c.def;
  const f = c.forward;
  const total = tf.sum(c.batch.mask);
  const count = (await total.data())[0]; // read asynchronously: webgpu cannot read synchronously
  total.dispose();
  if (!(count > 0)) throw new Error('layer statistics: the batch has no real rows (its mask is all zero)');
  const captured = spec.nodes.flatMap((n, i) => {
    const cap = kindOf(n).kfac;
    return cap === undefined ? [] : [{ i, n, cap }];
  });
  const shapes = new Map(spec.params.map((p) => [p.name, p.shape]));
  const covered = new Set(captured.flatMap(({ n, cap }) => cap.params(n)));
  for (const name of otherParams) {
    if (!shapes.has(name)) throw new Error(`layer statistics: model ${spec.name} has no parameter "${name}"`);
    if (covered.has(name)) throw new Error(`layer statistics: parameter "${name}" is covered by its layer's block; ask only for the others`);
  }
  const tensors = tf.tidy(() => {
    const out = f.values[f.values.length - 1];
    const probs = c.lossCache.probs;
    const targets = labels.labels === 'sampled' ? sampleTargets(loss, out, probs, labels.seed) : c.batch.targets;
    const gOut = negLogLikelihoodGradient(loss, out, probs, targets, c.batch.mask);
    const rec = backwardPass(spec, c.table, f, gOut, new Set(otherParams));
    const perLayer = captured.flatMap(({ i, n, cap }) => {
      const xs = nodeInputs(n).map((j) => f.values[j]);
      const g = rec.nodeGrads[i];
      // clones: handles of their own (the forward record keeps its tensors; two layers may share a gradient)
      return [tf.clone(cap.inputs(n, xs, f.caches[i])), g === null ? tf.zerosLike(f.values[i]) : tf.clone(g)];
    });
    const grads = otherParams.map((name) => rec.paramGrads.get(name) ?? tf.zeros(shapes.get(name)!));
    return [...perLayer, ...grads, tf.clone(c.batch.mask)];
  });
  const layers = captured.map(({ i, n, cap }, k) => ({
    node: i, block: cap.block, params: cap.params(n), inputs: tensors[2 * k], outputGrads: tensors[2 * k + 1],
  }));
  const paramGrads = new Map(otherParams.map((name, k) => [name, tensors[2 * captured.length + k]]));
  return { layers, mask: tensors[tensors.length - 1] as tf.Tensor1D, count, paramGrads };
}
