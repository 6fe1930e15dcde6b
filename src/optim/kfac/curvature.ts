import * as tf from '@tensorflow/tfjs-core';
import type { LayerNode, ModelSpec } from '../../models/spec.js';
import { parameterCount } from '../../models/spec.js';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';
import type { KfacBlockKind } from '../../autodiff/layers/kind.js';
import { kindOf } from '../../autodiff/layers/registry.js';
import { ParamTable } from '../../autodiff/param-table.js';
import type { CurvatureBlock } from './block.js';
import { BatchNormBlock } from './batchnorm-block.js';
import { ConvBlock } from './conv-block.js';
import { DenseBlock } from './dense-block.js';
import { DiagonalBlock } from './diagonal-block.js';
import type { InverseOptions } from './pi-damping.js';

export interface KfacCurvatureOptions {
  /** EMA of the statistics (kfac-jax's curvature_ema): 0.95 as DeepMind's configuration, 0 as Kazuki's */
  ema: number;
  /** steps between inverse updates (kfac-jax's inverse_update_period); 1, every step, as the paper ran */
  inverseUpdatePeriod?: number;
  /** factors up to this size are inverted on the host in float64, larger ones on the backend in float32 */
  hostInverseMaxSize?: number;
}

type BlockFactory = (n: LayerNode, node: number, params: string[], shapes: Map<string, number[]>, o: InverseOptions) => CurvatureBlock;

/** the block of each layer kind that has one (the kinds say which, see autodiff/layers/kind.ts) */
const BLOCKS: Record<KfacBlockKind, BlockFactory> = {
  dense: (_n, node, params, shapes, o) => new DenseBlock(node, params, shapes.get(params[0])!, o),
  conv2d: (n, node, params, shapes, o) => {
    const c = n as Extract<LayerNode, { op: 'conv2d' }>;
    return new ConvBlock(node, params, shapes.get(params[0])!, { stride: c.stride, padding: c.padding }, o);
  },
  batchnorm: (_n, node, params) => new BatchNormBlock(node, params),
};

/**
 * KFAC's curvature state for one model: one block per dense, conv and batch-norm layer, a diagonal
 * block for every other parameter. Per step: updateStatistics (from the objective's
 * layerStatistics), maybeUpdateInverses (with the step's damping), precondition (F^-1 g).
 */
export class KfacCurvature {
  readonly blocks: CurvatureBlock[];
  /** the parameters of the diagonal blocks: pass them to layerStatistics as otherParams */
  readonly otherParams: string[];
  private readonly size: number;
  private inversesStep: number | null = null;

  constructor(private readonly spec: ModelSpec, private readonly opts: KfacCurvatureOptions) {
    if (!(opts.ema >= 0 && opts.ema < 1)) throw new Error(`KFAC: the curvature EMA must be in [0, 1), got ${opts.ema}`);
    const period = opts.inverseUpdatePeriod ?? 1;
    if (!Number.isInteger(period) || period < 1) throw new Error(`KFAC: inverseUpdatePeriod must be a positive integer, got ${period}`);
    const shapes = new Map(spec.params.map((p) => [p.name, p.shape]));
    const o: InverseOptions = { hostMaxSize: opts.hostInverseMaxSize };
    this.blocks = spec.nodes.flatMap((n, i) => {
      const cap = kindOf(n).kfac;
      return cap === undefined ? [] : [BLOCKS[cap.block](n, i, cap.params(n), shapes, o)];
    });
    const covered = new Set(this.blocks.flatMap((b) => b.params));
    this.otherParams = spec.params.map((p) => p.name).filter((p) => !covered.has(p));
    this.blocks.push(...this.otherParams.map((p) => new DiagonalBlock(p)));
    this.size = parameterCount(spec);
  }

  /**
   * folds one batch's statistics into every block's moving averages with the curvature EMA (or
   * `ema`: 1 for kfac-jax's burn-in, which accumulates); the caller still owns `stats`
   */
  updateStatistics(stats: LayerStatistics, ema = this.opts.ema): void {
    for (const b of this.blocks) b.updateStatistics(stats, ema);
  }

  /** recomputes the damped inverses of the Kronecker blocks now */
  async updateInverses(damping: number, step?: number): Promise<void> {
    for (const b of this.blocks) await b.updateInverses(damping);
    this.inversesStep = step ?? this.inversesStep ?? 0;
  }

  /** the inverses at steps 0, P, 2P, ... (and whenever there are none); says whether it made them */
  async maybeUpdateInverses(step: number, damping: number): Promise<boolean> {
    const period = this.opts.inverseUpdatePeriod ?? 1;
    if (this.inversesStep !== null && step % period !== 0) return false;
    await this.updateInverses(damping, step);
    return true;
  }

  /** F^-1 g from the cached inverses (diagonal blocks with `damping`); the caller owns the result */
  precondition(grad: tf.Tensor1D, damping: number): tf.Tensor1D {
    if (grad.rank !== 1 || grad.shape[0] !== this.size) {
      throw new Error(`KFAC precondition: the gradient must have shape [${this.size}] (the parameter count of ${this.spec.name}), got [${grad.shape.join(', ')}]`);
    }
    const table = new ParamTable(this.spec, grad);
    try {
      return tf.tidy(() => {
        const out = new Map<string, tf.Tensor>();
        for (const b of this.blocks) {
          const res = b.precondition(b.params.map((p) => table.value(p)), damping);
          b.params.forEach((p, i) => out.set(p, res[i]));
        }
        return tf.reshape(table.flatten(out, 1), [this.size]) as tf.Tensor1D;
      });
    } finally {
      table.dispose();
    }
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
    this.inversesStep = null;
  }
}
