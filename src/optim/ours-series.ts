import type { Hyperparameters } from '../config/hyperparameters.js';
import type { SeriesUpdateOptions } from './series/index.js';
import { validateSeriesShape } from './series/index.js';

type SeriesHyperparameters = Pick<Hyperparameters['ours'], 'K' | 'N' | 'accelerator' | 'compat' | 'powerIterations'>;

/**
 * The series settings shared by `ours` and `ours-adaptive`, from their validated hyperparameters.
 * compat 'reference' -> the series module's reference mode (float32 coefficient recursion, plain
 * unguarded Wynn epsilon whatever the accelerator); 'exact' -> stable coefficients, the named
 * accelerator with guards. powerIterations > 0 switches V's rule to the power-iteration bound.
 */
export function seriesOptionsFor(hp: SeriesHyperparameters, damping: number, V: number): SeriesUpdateOptions {
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

/** throws at construction (not at the first step) when K and N do not fit together */
export function checkSeriesHyperparameters(hp: SeriesHyperparameters): void {
  validateSeriesShape(hp.K, hp.N);
}
