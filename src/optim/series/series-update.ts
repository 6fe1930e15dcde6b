import type { VectorSpace } from './vector-space.js';
import { disposeAll } from './vector-space.js';
import type { SeriesOptions, VRule } from './series.js';
import { runSeries } from './series.js';
import type { AccelerationCompat, AcceleratorName } from './accelerators/index.js';
import { accelerate } from './accelerators/index.js';

export interface SeriesUpdateOptions {
  /** K */
  terms: number;
  /** N */
  order: number;
  damping: number;
  V: number;
  accelerator: AcceleratorName;
  /** 'reference': the published code's float32 coefficient recursion and unguarded plain Wynn epsilon */
  compat?: AccelerationCompat;
  vRule?: VRule;
  powerIterations?: number;
  powerSafety?: number;
}

export interface SeriesUpdate<V> {
  /** the (accelerated) approximation of (|H| + lambda I)^{-1} g; owned by the caller */
  direction: V;
  /** the scale factor after this step (keep it for the next) */
  V: number;
  hvpCount: number;
  /** 1 if the accelerator fell back to the plain partial sum */
  fallbacks: number;
  fallbackReason?: string;
}

/**
 * One saddle-free direction: the series (Algorithm 1's inner loop) then N accelerations of its last
 * 2N+1 partial sums. The learning rate, momentum and sign are the optimiser's business.
 */
export async function seriesDirection<V>(
  space: VectorSpace<V>,
  g: V,
  hvp: (v: V) => V,
  options: SeriesUpdateOptions,
): Promise<SeriesUpdate<V>> {
  const compat = options.compat ?? 'none';
  const seriesOptions: SeriesOptions<V> = {
    terms: options.terms,
    order: options.order,
    damping: options.damping,
    V: options.V,
    vRule: options.vRule,
    powerIterations: options.powerIterations,
    powerSafety: options.powerSafety,
    coefficients: compat === 'reference' ? 'reference' : 'stable',
  };
  const series = await runSeries(space, g, hvp, seriesOptions);
  try {
    const result = await accelerate(space, options.accelerator, series.sums, {
      order: options.order,
      firstIndex: series.firstIndex,
      compat,
    });
    return {
      direction: result.value,
      V: series.V,
      hvpCount: series.hvpCount,
      fallbacks: result.fallbacks,
      fallbackReason: result.reason,
    };
  } finally {
    disposeAll(space, series.sums);
  }
}
