import type * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import { disposeLayerStatistics, type LayerStatisticsSource } from '../../autodiff/layer-statistics.js';
import type { KfacCurvature } from './curvature.js';

/** A distinct seed per step for the sampled Fisher, from the run's seed. */
export function fisherSeed(runSeed: number, step: number): number {
  return (Math.imul(runSeed >>> 0, 0x9e3779b1) + Math.imul(step >>> 0, 0x85ebca6b) + 1) >>> 0;
}

export interface KfacDirectionArgs {
  /** the optimiser's step (0-based): inverses are made at multiples of the inverse update period */
  step: number;
  /** the damping lambda of this step (kfac-jax: the LM damping; fixed for Kazuki's configuration) */
  damping: number;
  /** seed of this step's sampled labels (fisherSeed(runSeed, step)) */
  seed: number;
}

/**
 * KFAC's direction p = F^-1 g as kfac-jax orders a step: the statistics of this batch (sampled
 * Fisher) into the moving averages, the inverses if due (with this step's damping), then the
 * preconditioned gradient. The update is minus a multiple of p. Cost: one backward pass for the
 * statistics, the factor products, the inverses when due, two small products per block.
 */
export function kfacDirection(
  objective: Objective & LayerStatisticsSource, curvature: KfacCurvature, a: KfacDirectionArgs, grad?: tf.Tensor1D,
): tf.Tensor1D {
  const stats = objective.layerStatistics({ labels: 'sampled', seed: a.seed }, curvature.otherParams);
  try {
    curvature.updateStatistics(stats);
  } finally {
    disposeLayerStatistics(stats);
  }
  curvature.maybeUpdateInverses(a.step, a.damping);
  const g = grad ?? objective.grad();
  try {
    return curvature.precondition(g, a.damping);
  } finally {
    if (grad === undefined) g.dispose();
  }
}
