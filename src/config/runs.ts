import { ConfigError } from './errors.js';
import type { ExperimentSpec, OptimiserSpec } from './experiment.js';

/**
 * What identifies an experiment and a run in the results store. Seeds and the choice of
 * optimisers are left out of the experiment's identity, so `--seeds 50` after `--seeds 3`, or an
 * optimiser added to the file, adds runs to the same experiment instead of starting a new one.
 */
export function experimentIdentity(spec: ExperimentSpec): Record<string, unknown> {
  return {
    dataset: spec.dataset,
    model: spec.model,
    loss: spec.loss,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    evalInterval: spec.evalInterval,
    timeBudgetSeconds: spec.timeBudgetSeconds,
    maxSteps: spec.maxSteps,
  };
}

/** Everything that determines one optimiser's runs except the seed; its hash keys the run. */
export function runConfig(spec: ExperimentSpec, opt: OptimiserSpec): Record<string, unknown> {
  return {
    dataset: spec.dataset,
    model: spec.model,
    loss: spec.loss,
    epochs: spec.epochs,
    batchSize: opt.batchSize,
    evalInterval: spec.evalInterval,
    timeBudgetSeconds: spec.timeBudgetSeconds,
    maxSteps: spec.maxSteps,
    optimiser: opt.name,
    preset: opt.preset,
    hyperparameters: opt.hyperparameters,
  };
}

export interface Overrides {
  /** keep the entries whose name or label ("ours:paper") is listed */
  optimisers?: string[];
  /** a count n (seeds 0..n-1) or an explicit list */
  seeds?: number | number[];
  epochs?: number;
}

/** Applies command-line overrides; bad values give one ConfigError naming each flag. */
export function applyOverrides(spec: ExperimentSpec, o: Overrides): ExperimentSpec {
  const problems: string[] = [];
  let optimisers = spec.optimisers;
  if (o.optimisers && o.optimisers.length) {
    const labels = spec.optimisers.map((x) => x.label);
    for (const want of o.optimisers) {
      if (!spec.optimisers.some((x) => x.name === want || x.label === want)) {
        problems.push(`--optimiser: '${want}' is not in ${spec.file}; allowed: ${[...new Set([...spec.optimisers.map((x) => x.name), ...labels])].join(', ')}`);
      }
    }
    optimisers = spec.optimisers.filter((x) => o.optimisers!.includes(x.name) || o.optimisers!.includes(x.label));
  }
  let seeds = spec.seeds;
  if (o.seeds !== undefined) {
    if (typeof o.seeds === 'number') {
      if (!Number.isInteger(o.seeds) || o.seeds < 1) problems.push(`--seeds: got ${o.seeds}; allowed: an integer >= 1`);
      else seeds = Array.from({ length: o.seeds }, (_, s) => s);
    } else if (!o.seeds.length || o.seeds.some((s) => !Number.isInteger(s) || s < 0) || new Set(o.seeds).size !== o.seeds.length) {
      problems.push(`--seeds: got ${o.seeds.join(',')}; allowed: distinct integers >= 0`);
    } else {
      seeds = o.seeds;
    }
  }
  let epochs = spec.epochs;
  if (o.epochs !== undefined) {
    if (!Number.isInteger(o.epochs) || o.epochs < 1) problems.push(`--epochs: got ${o.epochs}; allowed: an integer >= 1`);
    else epochs = o.epochs;
  }
  if (problems.length) {
    throw new ConfigError(spec.file, problems.map((message) => ({ file: spec.file, path: '', message })));
  }
  return { ...spec, optimisers, seeds, epochs };
}
