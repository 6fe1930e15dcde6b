/**
 * The optimisers, one descriptor each (descriptor.ts), in the paper's Table 5 order. The config's
 * names and hyperparameter schemas (src/config/hyperparameters.ts), the list of implemented
 * optimisers (src/config/implemented.ts) and the report's titles (src/report/names.ts) are read
 * from this list: adding an optimiser is one file and one line here.
 *
 * Conventions every Optimizer follows (see optimizer.ts): `step` does not dispose the `params` it is
 * given (the caller does); it consumes the `state` it is given (frees what it no longer needs) and
 * returns a new one; the caller disposes the last state with `dispose`.
 */
import type { OptimiserSpec } from '../config/experiment.js';
import { unmetNeed, type OptimiserDescriptor, type OptimizerContext } from './descriptor.js';
import type { Optimizer } from './optimizer.js';
import { ours } from './ours.js';
import { oursAdaptive } from './ours-adaptive.js';
import { sgd } from './sgd.js';
import { adam } from './adam.js';
import { kfacKazuki } from './kfac-kazuki.js';
import { kfacDeepmind } from './kfac-deepmind.js';
import { exactSfn } from './exact-sfn.js';
import { exactSfnAdaptive } from './exact-sfn-adaptive.js';
import { lbfgs } from './lbfgs.js';

export type { OptimizerContext } from './descriptor.js';
import { OPTIMISER_CATALOGUE, type OptimiserName } from './catalogue.js';

/** one descriptor for every catalogue entry, no more (the compiler checks both ways) */
const DESCRIPTORS = {
  ours,
  'ours-adaptive': oursAdaptive,
  sgd,
  adam,
  'kfac-kazuki': kfacKazuki,
  'kfac-deepmind': kfacDeepmind,
  'exact-sfn': exactSfn,
  'exact-sfn-adaptive': exactSfnAdaptive,
  lbfgs,
} satisfies { [N in OptimiserName]: OptimiserDescriptor<N> };

export type { OptimiserName } from './catalogue.js';
/** the descriptor of one optimiser, with its schema's type */
export type DescriptorOf<N extends OptimiserName> = (typeof DESCRIPTORS)[N];

/** the descriptors in the catalogue's (the paper's Table 5) order */
export const OPTIMISERS: readonly DescriptorOf<OptimiserName>[] = OPTIMISER_CATALOGUE.map((e) => DESCRIPTORS[e.name]);

/** The descriptor of `name`, or undefined for an unknown name. */
export function descriptorOf(name: string): OptimiserDescriptor | undefined {
  return (OPTIMISERS as readonly OptimiserDescriptor[]).find((d) => d.name === name);
}

/** Names that have an implementation, in registry order. */
export function registeredOptimisers(): OptimiserName[] {
  return OPTIMISERS.filter((d) => d.create !== null).map((d) => d.name as OptimiserName);
}

export function isRegistered(name: string): name is OptimiserName {
  return (descriptorOf(name)?.create ?? null) !== null;
}

/**
 * Builds the optimiser of a config entry; throws naming the implemented ones if there is none, and
 * when the model cannot meet its needs (the config already refuses both; this guards other callers).
 */
export function createOptimizer(spec: Pick<OptimiserSpec, 'name' | 'hyperparameters'>, context: OptimizerContext): Optimizer {
  const descriptor = descriptorOf(spec.name);
  const unmet = descriptor && unmetNeed(descriptor, { parameterCount: context.parameterCount }, spec.hyperparameters);
  if (unmet) throw new Error(unmet);
  if (!descriptor?.create) {
    throw new Error(`optimiser "${spec.name}" is not implemented yet (implemented: ${registeredOptimisers().join(', ')})`);
  }
  return descriptor.create(spec.hyperparameters as never, context);
}
