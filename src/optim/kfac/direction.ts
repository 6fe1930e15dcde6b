import type * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import { disposeLayerStatistics, type FisherLabels, type LayerStatisticsSource } from '../../autodiff/layer-statistics.js';
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
  /** 'sampled' (the sampled Fisher, as run; default) or 'data' (the empirical Fisher: the batch's own targets) */
  labels?: 'sampled' | 'data';
}

/** The labels of one statistics pass. */
export function fisherLabels(labels: 'sampled' | 'data', seed: number): FisherLabels {
  return labels === 'data' ? { labels: 'data' } : { labels: 'sampled', seed };
}

/** A seed per burn-in pass, apart from the steps' (fisherSeed's second argument is the step). */
export function burnInSeed(runSeed: number, pass: number): number {
  return fisherSeed(runSeed ^ 0x5bd1e995, pass);
}

/**
 * kfac-jax's burn-in (Optimizer.burnin): before the first step, `passes` updates of the curvature
 * statistics only, each with old and new weight 1 (so they are averaged, not decayed), at the
 * initial parameters. kfac-jax draws each pass's batch from the data iterator (consuming those
 * batches); a direction sees only its step's batch, so ours makes every pass on that batch with
 * fresh sampled labels: the same thing for full-batch training, the same estimator on one batch
 * otherwise, and no batch is skipped.
 */
export async function kfacBurnIn(
  objective: Objective & LayerStatisticsSource, curvature: KfacCurvature, o: { passes: number; runSeed: number; labels?: 'sampled' | 'data' },
): Promise<void> {
  for (let k = 0; k < o.passes; k++) {
    const stats = await objective.layerStatistics(fisherLabels(o.labels ?? 'sampled', burnInSeed(o.runSeed, k)), curvature.otherParams);
    try {
      curvature.updateStatistics(stats, 1);
    } finally {
      disposeLayerStatistics(stats);
    }
  }
}

/**
 * KFAC's direction p = F^-1 g as kfac-jax orders a step: the statistics of this batch (sampled
 * Fisher) into the moving averages, the inverses if due (with this step's damping), then the
 * preconditioned gradient. The update is minus a multiple of p. Cost: one backward pass for the
 * statistics, the factor products, the inverses when due, two small products per block.
 */
export async function kfacDirection(
  objective: Objective & LayerStatisticsSource, curvature: KfacCurvature, a: KfacDirectionArgs, grad?: tf.Tensor1D,
): Promise<tf.Tensor1D> {
  const stats = await objective.layerStatistics(fisherLabels(a.labels ?? 'sampled', a.seed), curvature.otherParams);
  try {
    curvature.updateStatistics(stats);
  } finally {
    disposeLayerStatistics(stats);
  }
  await curvature.maybeUpdateInverses(a.step, a.damping);
  const g = grad ?? objective.grad();
  try {
    return curvature.precondition(g, a.damping);
  } finally {
    if (grad === undefined) g.dispose();
  }
}
