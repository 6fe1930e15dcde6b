export { loadExperiment, parseExperiment } from './load.js';
export * from './experiment.js';
export {
  ACCELERATORS,
  HYPERPARAMETER_SCHEMAS,
  OPTIMISER_NAMES,
  crossFieldProblems,
  hyperparameterKeys,
  isOptimiserName,
  type Accelerator,
  type Hyperparameters,
  type OptimiserName,
} from './hyperparameters.js';
export { IMPLEMENTED_OPTIMISERS, isImplemented, refuseUnimplemented } from './implemented.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { DURATION_HELP, parseDuration } from './duration.js';
export { applyOverrides, experimentIdentity, runConfig, type Overrides } from './runs.js';
export { DEFAULT_EXPERIMENT, defaultExperimentPath, resolveConfigArgument } from './default-experiment.js';
