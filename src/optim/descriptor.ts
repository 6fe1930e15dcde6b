import type { z } from 'zod';
import type { Optimizer } from './optimizer.js';

/** What a factory may know besides its hyperparameters. */
export interface OptimizerContext {
  /** length of the flat parameter vector */
  parameterCount: number;
  /** the run's seed, for optimisers that sample (e.g. KFAC's Fisher labels) */
  seed: number;
}

/** What an optimiser asks of the model and the Objective beyond loss, gradient and HVPs. */
export interface OptimiserNeeds {
  /** the explicit n x n Hessian (Objective.hessian), affordable up to this many parameters */
  hessian?: { maxParameters: number };
  /** loss and gradient of the step's batch at other parameters (Objective.at) */
  pointEvaluations?: boolean;
  /** the engine's per-layer statistics (KFAC's layer inputs and output gradients) */
  layerStatistics?: boolean;
}

/**
 * Everything about one optimiser in one place: the registry, the config's schemas, the list of
 * implemented optimisers and the report's titles are all read from these.
 */
export interface OptimiserDescriptor<N extends string = string, S extends z.ZodObject = z.ZodObject> {
  /** the config name, e.g. 'exact-sfn' */
  readonly name: N;
  /** the paper's name, e.g. 'Exact SFN (Adaptive)' */
  readonly title: string;
  /** its hyperparameters, strict and range-checked (src/config/fields.ts) */
  readonly schema: S;
  readonly needs: OptimiserNeeds;
  /** builds it from validated hyperparameters; null: schema only (configs parse, runs are refused) */
  readonly create: ((hp: z.output<S>, context: OptimizerContext) => Optimizer) | null;
  /**
   * Why these hyperparameters cannot run on a model of `parameterCount` parameters (e.g. L-BFGS's
   * history would not fit in memory), or null; checked with the needs, before any run starts.
   */
  readonly modelProblem?: (hp: z.output<S>, parameterCount: number) => string | null;
}

/** keeps the literal name and the schema's type */
export function describeOptimiser<const N extends string, S extends z.ZodObject>(d: OptimiserDescriptor<N, S>): OptimiserDescriptor<N, S> {
  return d;
}

/**
 * Why a model of `parameterCount` parameters cannot run this optimiser, or null when it can:
 * the only need that depends on the model is the explicit Hessian's size.
 */
export function unmetNeed(
  d: Pick<OptimiserDescriptor, 'name' | 'needs' | 'modelProblem'>,
  model: { name?: string; parameterCount: number },
  hyperparameters?: unknown,
): string | null {
  if (hyperparameters !== undefined && d.modelProblem !== undefined) {
    const problem = d.modelProblem(hyperparameters as never, model.parameterCount);
    if (problem !== null) return problem;
  }
  const limit = d.needs.hessian?.maxParameters;
  if (limit !== undefined && model.parameterCount > limit) {
    const which = model.name === undefined ? 'the model' : `model ${model.name}`;
    return (
      `${d.name} needs the explicit Hessian, which it allows up to ${limit.toLocaleString('en-US')} parameters; ` +
      `${which} has ${model.parameterCount.toLocaleString('en-US')}. Use it with a smaller model (e.g. uci-mlp) or pick another optimiser`
    );
  }
  return null;
}
