/**
 * Optimiser registry: name -> factory from validated hyperparameters (src/config checks them).
 * Adding an optimiser is one line in FACTORIES (and its name in src/config/implemented.ts, which
 * gates what `sfn run` accepts; a test keeps the two lists equal).
 *
 * Conventions every Optimizer follows (see optimizer.ts): `step` does not dispose the `params` it is
 * given (the caller does); it consumes the `state` it is given (frees what it no longer needs) and
 * returns a new one; the caller disposes the last state with `dispose`.
 */
import type { Hyperparameters, OptimiserName } from '../config/hyperparameters.js';
import type { OptimiserSpec } from '../config/experiment.js';
import type { Optimizer } from './optimizer.js';
import { sgd } from './sgd.js';
import { adam } from './adam.js';
import { ours } from './ours.js';
import { oursAdaptive } from './ours-adaptive.js';

/** What a factory may know besides its hyperparameters. */
export interface OptimizerContext {
  /** length of the flat parameter vector */
  parameterCount: number;
  /** the run's seed, for optimisers that sample (e.g. KFAC's Fisher labels) */
  seed: number;
}

export type OptimizerFactory<N extends OptimiserName> = (hp: Hyperparameters[N], context: OptimizerContext) => Optimizer;

const FACTORIES: { [N in OptimiserName]?: OptimizerFactory<N> } = {
  sgd: (hp) => sgd(hp),
  adam: (hp) => adam(hp),
  ours: (hp) => ours(hp),
  'ours-adaptive': (hp) => oursAdaptive(hp),
};

/** Names that have an implementation, in registry order. */
export function registeredOptimisers(): OptimiserName[] {
  return Object.keys(FACTORIES) as OptimiserName[];
}

export function isRegistered(name: string): name is OptimiserName {
  return Object.prototype.hasOwnProperty.call(FACTORIES, name);
}

/** Builds the optimiser of a config entry; throws naming the implemented ones if there is none. */
export function createOptimizer(spec: Pick<OptimiserSpec, 'name' | 'hyperparameters'>, context: OptimizerContext): Optimizer {
  const factory = FACTORIES[spec.name] as OptimizerFactory<typeof spec.name> | undefined;
  if (!factory) {
    throw new Error(`optimiser "${spec.name}" is not implemented yet (implemented: ${registeredOptimisers().join(', ')})`);
  }
  return factory(spec.hyperparameters as never, context);
}
