import * as tf from '@tensorflow/tfjs-core';
import { isLayerStatisticsSource } from '../../autodiff/layer-statistics.js';
import { KfacCurvature } from '../kfac/curvature.js';
import { fisherSeed, kfacBurnIn, kfacDirection as preconditionedGradient } from '../kfac/direction.js';
import { gaussNewtonCurvature } from '../rules/gauss-newton-curvature.js';
import { dotAccumulationFor } from '../series-space.js';
import { FactorInverseError } from '../kfac/spd-inverse.js';
import type { CurvatureModel } from '../rules/types.js';
import type { Direction, DirectionOutput } from './types.js';

export interface KfacDirectionOptions {
  /** EMA of the curvature statistics (kfac-jax's curvature_ema): 0.95 DeepMind's, 0 Kazuki's */
  ema: number;
  /** steps between inverse updates (1: every step, as run) */
  inverseUpdatePeriod: number;
  /** the Fisher's labels: sampled from the model (as run) or the data's own (the empirical Fisher) */
  fisher: 'sampled' | 'empirical';
  /** statistics-only passes before the first step (kfac-jax's num_burnin_steps; see kfacBurnIn) */
  burnIn: number;
  /** the run's seed: step t samples its labels with fisherSeed(seed, t) */
  seed: number;
  /** hand the step rule the exact Fisher / Gauss-Newton products of the batch as its curvature */
  exactCurvature: boolean;
  /** factors up to this size are inverted on the host in float64 (default: KfacCurvature's) */
  hostInverseMaxSize?: number;
}

export interface KfacDirectionState {
  /** the statistics' moving averages and the cached inverses; null before the first step */
  curvature: KfacCurvature | null;
  /** steps made */
  step: number;
}

/**
 * KFAC's direction p = F^-1 g, as a kfac-jax step computes it: this batch's layer statistics
 * (labels sampled from the model, seeded from the run's seed and the step) folded into the moving
 * averages, the pi-damped factor inverses with the step rule's damping when due, then the
 * block-wise preconditioned gradient (kfac/). The curvature blocks are built from the Objective's
 * model at the first step, so the Objective must be a model Objective (it has layer statistics).
 * With `exactCurvature` the adaptive rule's quadratic model uses the exact Fisher / Gauss-Newton
 * products of the same batch (kfac-jax's compute_exact_quad_model). A damped factor that cannot
 * be inverted (not positive definite in floating point, or not finite) gives a NaN direction, logged
 * as nonFiniteCurvature, and the training loop ends the run as diverged, as kfac-jax's NaNs do.
 */
export function kfacDirection(o: KfacDirectionOptions): Direction<KfacDirectionState> {
  const labels = o.fisher === 'empirical' ? 'data' : 'sampled';
  return {
    init: () => ({ curvature: null, step: 0 }),
    async compute({ objective, grad, damping }, state) {
      if (!isLayerStatisticsSource(objective)) {
        throw new Error(
          "KFAC needs the engine's layer statistics (each layer's inputs and output gradients), which this Objective does not offer: " +
            'use the Objective of a model (modelObjective), as `sfn run` does',
        );
      }
      const made = state.curvature === null;
      const curvature = state.curvature ?? new KfacCurvature(objective.modelSpec, { ema: o.ema, inverseUpdatePeriod: o.inverseUpdatePeriod, hostInverseMaxSize: o.hostInverseMaxSize });
      const next = { curvature, step: state.step + 1 };
      try {
        if (state.step === 0 && o.burnIn > 0) await kfacBurnIn(objective, curvature, { passes: o.burnIn, runSeed: o.seed, labels });
        const direction = await preconditionedGradient(objective, curvature, { step: state.step, damping, seed: fisherSeed(o.seed, state.step), labels }, grad);
        return {
          direction,
          state: next,
          info: {},
          ...(o.exactCurvature ? { curvature: gaussNewtonCurvature(objective, dotAccumulationFor(objective.size)) } : {}),
        };
      } catch (e) {
        // as kfac-jax's float32 Cholesky gives NaNs: the update comes out non-finite and the run ends diverged
        if (e instanceof FactorInverseError) return nonFinite(objective.size, next, o.exactCurvature);
        // a curvature made here is not in the caller's state yet
        if (made) curvature.dispose();
        throw e;
      }
    },
    dispose: (state) => state.curvature?.dispose(),
  };
}

/** a NaN direction (and NaN curvature), so that the update is non-finite and the run ends diverged */
function nonFinite(n: number, state: KfacDirectionState, withCurvature: boolean): DirectionOutput<KfacDirectionState> {
  const curvature: CurvatureModel = {
    includesDamping: false,
    gram: (vectors) => Promise.resolve({ gram: vectors.map(() => vectors.map(() => NaN)), hvps: 0 }),
  };
  return {
    direction: tf.fill([n], NaN, 'float32') as tf.Tensor1D,
    state,
    info: { nonFiniteCurvature: 1 },
    ...(withCurvature ? { curvature } : {}),
  };
}
