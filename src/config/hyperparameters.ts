import { z } from 'zod';
import { OPTIMISERS, type DescriptorOf } from '../optim/registry.js';
import type { OptimiserName } from '../optim/catalogue.js';

/**
 * Hyperparameters of every optimiser, strict (unknown keys are errors) and range-checked. Fields
 * with defaults may be left out of a config; the rest are required. The names and schemas are
 * read from the optimiser descriptors (src/optim/registry.ts); names of the fixed settings follow
 * ../shared/REFERENCE.md ("Baselines as run").
 */

export { OPTIMISER_NAMES, isOptimiserName, type OptimiserName } from '../optim/catalogue.js';
export { ACCELERATORS, type Accelerator } from '../optim/directions/series.js';


export const HYPERPARAMETER_SCHEMAS = Object.fromEntries(OPTIMISERS.map((d) => [d.name, d.schema])) as {
  [N in OptimiserName]: DescriptorOf<N>['schema'];
};

export type Hyperparameters = { [N in OptimiserName]: z.output<(typeof HYPERPARAMETER_SCHEMAS)[N]> };


export function hyperparameterKeys(name: OptimiserName): string[] {
  return Object.keys(HYPERPARAMETER_SCHEMAS[name].shape);
}

/** A rule across fields, checked on the raw values; `key` is the field the message is about. */
export interface CrossFieldProblem {
  key: string;
  message: string;
}

/** Rules zod's per-field checks cannot express: K >= 2N+1, rhoLow < rhoHigh. */
export function crossFieldProblems(name: OptimiserName, hp: Record<string, unknown>): CrossFieldProblem[] {
  const out: CrossFieldProblem[] = [];
  const { K, N, rhoLow, rhoHigh } = hp;
  if ('K' in HYPERPARAMETER_SCHEMAS[name].shape && Number.isInteger(K) && Number.isInteger(N)) {
    const k = K as number;
    const n = N as number;
    if (n >= 0 && k >= 1 && k < 2 * n + 1) {
      out.push({
        key: 'N',
        message:
          `acceleration order N = ${n} needs K >= 2N+1 = ${2 * n + 1} series terms (got K = ${k}); ` +
          `allowed with K = ${k}: N in 0..${Math.floor((k - 1) / 2)}`,
      });
    }
  }
  if (typeof rhoLow === 'number' && typeof rhoHigh === 'number' && !(rhoLow < rhoHigh)) {
    out.push({ key: 'rhoLow', message: `rhoLow (${rhoLow}) must be below rhoHigh (${rhoHigh})` });
  }
  return out;
}
