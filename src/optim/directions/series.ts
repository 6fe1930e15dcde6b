import * as tf from '@tensorflow/tfjs-core';
import { intAtLeast, oneOf, positive, withDefault } from '../../config/fields.js';
import { hasHostProducts } from '../../autodiff/objective.js';
import { Float32VectorSpace, seriesDirection, validateSeriesShape, type SeriesUpdateOptions } from '../series/index.js';
import { dotAccumulationFor, seriesVectorSpace } from '../series-space.js';
import type { Direction } from './types.js';

export const ACCELERATORS = ['wynn', 'sablonniere', 'levin', 'pade'] as const;
export type Accelerator = (typeof ACCELERATORS)[number];

/** The series' hyperparameters: K terms, acceleration order N (uses the last 2N+1 partial sums). */
export const SERIES_FIELDS = {
  K: intAtLeast(1),
  N: intAtLeast(0),
  accelerator: withDefault(oneOf(ACCELERATORS), 'wynn'),
  /** 'reference': what the published code ran (plain Wynn, degenerate adaptive solve); 'exact': the maths */
  compat: withDefault(oneOf(['reference', 'exact'] as const), 'exact'),
  /** initial curvature scale V (raised to ||H^2 g|| / ||g|| when larger) */
  V0: withDefault(positive(), 100),
  /** power-iteration steps for a bound on V; 0 = off */
  powerIterations: withDefault(intAtLeast(0), 0),
};

export interface SeriesHyperparameters {
  K: number;
  N: number;
  accelerator: Accelerator;
  compat: 'reference' | 'exact';
  V0: number;
  powerIterations: number;
}

export interface SeriesDirectionState {
  /** the series scale factor V (float64; starts at V0, only rises) */
  V: number;
}

/**
 * The series direction of `ours` and `ours-adaptive`: d = V^{-1/2} * accelerated series
 * ~ (|H| + damping I)^{-1} g, 2(K-1) Hessian-vector products (more with powerIterations), with the
 * damping the step rule gives. Throws at construction (not at the first step) when K and N do not
 * fit together.
 */
export function hessianSeriesDirection(hp: SeriesHyperparameters): Direction<SeriesDirectionState> {
  validateSeriesShape(hp.K, hp.N);
  return {
    init: () => ({ V: hp.V0 }),
    async compute({ objective, params, grad, damping }, state) {
      const options = seriesOptionsFor(hp, damping, state.V);
      // where the Objective computes H v on the host and dot products are summed there anyway, the
      // series' vector arithmetic runs on host arrays too: the same bits, without a backend kernel per operation
      const series = hasHostProducts(objective) && dotAccumulationFor(params.size) === 'float64'
        ? hostSeries(await seriesDirection(new Float32VectorSpace(), Float32Array.from(await grad.data()), (v) => objective.hvpHost(v), options))
        : await seriesDirection(seriesVectorSpace(params.size), grad, (v) => objective.hvp(v), options);
      return {
        direction: series.direction,
        state: { V: series.V },
        info: { V: series.V, hvps: series.hvpCount, fallbacks: series.fallbacks },
      };
    },
    dispose: () => {},
  };
}

/** the host series' direction as a tensor */
function hostSeries<T extends { direction: Float32Array }>(s: T): Omit<T, 'direction'> & { direction: tf.Tensor1D } {
  return { ...s, direction: tf.tensor1d(s.direction) };
}

/**
 * compat 'reference' -> the series module's reference mode (float32 coefficient recursion, plain
 * unguarded Wynn epsilon whatever the accelerator); 'exact' -> stable coefficients, the named
 * accelerator with guards. powerIterations > 0 switches V's rule to the power-iteration bound.
 */
function seriesOptionsFor(hp: SeriesHyperparameters, damping: number, V: number): SeriesUpdateOptions {
  return {
    terms: hp.K,
    order: hp.N,
    damping,
    V,
    accelerator: hp.accelerator,
    compat: hp.compat === 'reference' ? 'reference' : 'none',
    ...(hp.powerIterations > 0 ? { vRule: 'power-iteration' as const, powerIterations: hp.powerIterations } : {}),
  };
}
