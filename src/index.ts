/**
 * sfn as a library: the optimisers of the paper for your own TensorFlow.js models.
 *
 *   import { tf, initBackend, tapeObjective, oursAdaptive } from 'sfn';
 *
 * `tf` is the @tensorflow/tfjs-core instance sfn computes with: build your model with it (or with a
 * deduplicated copy of the same version), so that tensors and gradients share one engine.
 * README.md, "Use on your own model", has a complete example.
 */
export * as tf from '@tensorflow/tfjs-core';

// backends and second-order-safe ops
export { BACKEND_NAMES, describeBackend, formatBackend, initBackend, type BackendName, type BackendOptions } from './backend/index.js';
export { logSoftmax, logSumExp, softmaxCrossEntropy, stopGradient } from './backend/index.js';

// objectives: yours (any scalar loss of a flat parameter vector) and the built-in models'
export type { Objective } from './autodiff/objective.js';
export { tapeObjective, type TapeObjectiveOptions } from './autodiff/tape-objective.js';
export { assertFiniteAsync, modelObjective, type Batch, type ModelObjective } from './autodiff/model-objective.js';
export { modelByName, MODEL_NAMES, type ModelDef, type ModelName } from './models/zoo.js';
export { initParams } from './models/init.js';
export { parameterCount, type ModelSpec } from './models/spec.js';

// optimisers
export type { Optimizer, StepInfo, StepResult } from './optim/optimizer.js';
export { adam, createOptimiser, exactSfn, exactSfnAdaptive, kfacDeepmind, kfacKazuki, lbfgs, ours, oursAdaptive, sgd } from './library/optimisers.js';
export { parseHyperparameters, type HyperparameterInput } from './library/hyperparameters.js';
export { OPTIMISER_NAMES, type Hyperparameters, type OptimiserName } from './config/hyperparameters.js';

// the series and its accelerators
export {
  ACCELERATOR_NAMES,
  accelerate,
  dampedSeriesCoefficients,
  Float64VectorSpace,
  runSeries,
  seriesDirection,
  TfVectorSpace,
  type AcceleratorName,
  type SeriesUpdate,
  type SeriesUpdateOptions,
  type VectorSpace,
} from './optim/series/index.js';
