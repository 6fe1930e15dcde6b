import type * as tf from '@tensorflow/tfjs-core';
import type { LayerStatistics } from '../../autodiff/layer-statistics.js';

/**
 * One KFAC curvature block (after kfac-jax's curvature_blocks.py): every kind has the same few
 * methods, so the curvature state never switches on layer kinds. Blocks keep their tensors across
 * steps and free them on dispose().
 */
export interface CurvatureBlock {
  /** the parameters the block covers, in block order */
  readonly params: string[];
  /** folds one batch's statistics into the moving averages (see moving-average.ts) */
  updateStatistics(stats: LayerStatistics, ema: number): void;
  /** recomputes the cached damped inverses (Kronecker blocks; diagonal blocks use the damping at precondition time) */
  updateInverses(damping: number): void | Promise<void>;
  /** the block's part of F^-1 g: per-parameter gradients in, same shapes out (caller owns them) */
  precondition(grads: tf.Tensor[], damping: number): tf.Tensor[];
  dispose(): void;
}

/** the statistic of one node, or a clear error */
export function statisticOf(stats: LayerStatistics, node: number, what: string) {
  const s = stats.layers.find((l) => l.node === node);
  if (!s) throw new Error(`${what}: the layer statistics hold nothing for node ${node}; were they made for this model?`);
  return s;
}
