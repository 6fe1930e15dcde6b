/**
 * The series of Hessian-vector products and its accelerators, for the `ours` optimisers:
 *
 *   const space = new TfVectorSpace();
 *   const step = await seriesDirection(space, grad, (v) => objective.hvp(v), {
 *     terms: K, order: N, damping, V: state.V, accelerator: 'sablonniere', compat,
 *   });
 *   // step.direction ~ (|H| + damping I)^{-1} grad; keep step.V; log step.hvpCount, step.fallbacks
 */
export type { VectorSpace } from './vector-space.js';
export { disposeAll } from './vector-space.js';
export { Float64VectorSpace } from './float64-vector-space.js';
export { Float32VectorSpace } from './float32-vector-space.js';
export { TfVectorSpace } from './tf-vector-space.js';
export type { DotAccumulation } from './tf-vector-space.js';
export {
  binomialSeriesCoefficients,
  dampedInverseSqrt,
  dampedSeriesCoefficients,
  evaluateTruncatedSeries,
  referenceSeriesCoefficients,
} from './coefficients.js';
export { DEFAULT_INITIAL_V, runSeries, validateSeriesShape } from './series.js';
export type { CoefficientMode, SeriesOptions, SeriesResult, VRule } from './series.js';
export { seriesDirection } from './series-update.js';
export type { SeriesUpdate, SeriesUpdateOptions } from './series-update.js';
export { accelerate, ACCELERATOR_NAMES, isAcceleratorName } from './accelerators/index.js';
export type { AccelerateOptions, AccelerationCompat, AcceleratorName, AccelerationResult } from './accelerators/index.js';
