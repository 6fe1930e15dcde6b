import { ConfigError, type ConfigProblem } from './errors.js';
import type { OptimiserName } from './hyperparameters.js';
import type { ExperimentSpec } from './experiment.js';
import { descriptorOf, registeredOptimisers } from '../optim/registry.js';
import { unmetNeed } from '../optim/descriptor.js';
import { modelByName } from '../models/zoo.js';
import { parameterCount } from '../models/spec.js';
import type { OptimiserSpec } from './experiment.js';
import type { YamlSource } from './yaml-source.js';

/**
 * Optimisers that `sfn run` can train with today: those whose descriptor has a factory. The others
 * parse (so every config can list the paper's full line-up) but are refused until they are built.
 */
export const IMPLEMENTED_OPTIMISERS: readonly OptimiserName[] = registeredOptimisers();

export function isImplemented(name: OptimiserName): boolean {
  return IMPLEMENTED_OPTIMISERS.includes(name);
}

/** Throws one ConfigError naming every optimiser entry of the spec that is not implemented yet. */
export function refuseUnimplemented(spec: ExperimentSpec): void {
  const problems: ConfigProblem[] = spec.optimisers
    .filter((o) => !isImplemented(o.name))
    .map((o) => ({
      file: spec.file,
      path: `optimisers[${o.index}].name`,
      line: o.location?.line,
      column: o.location?.column,
      message:
        `${o.label}: not implemented yet (implemented: ${IMPLEMENTED_OPTIMISERS.join(', ')}); ` +
        'pick implemented ones with --optimiser',
    }));
  if (problems.length) throw new ConfigError(spec.file, problems);
}

/**
 * Entries whose optimiser asks more of the model than it can give (the explicit Hessian of a model
 * above the optimiser's limit): config errors at the entry's name, before any run starts.
 */
export function unmetNeedProblems(source: YamlSource, model: string, optimisers: readonly OptimiserSpec[]): ConfigProblem[] {
  const count = parameterCount(modelByName(model).spec);
  return optimisers.flatMap((o) => {
    const why = unmetNeed(descriptorOf(o.name)!, { name: model, parameterCount: count }, o.hyperparameters);
    return why ? [source.problem(['optimisers', o.index, 'name'], why)] : [];
  });
}
