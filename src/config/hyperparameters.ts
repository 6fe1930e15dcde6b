import { z } from 'zod';
import {
  anyNumber,
  intAtLeast,
  nonNegative,
  oneOf,
  openUnitInterval,
  positive,
  unitInterval,
  withDefault,
} from './fields.js';

/**
 * Hyperparameters of every optimiser, strict (unknown keys are errors) and range-checked.
 * Fields with defaults may be left out of a config; the rest are required. Names of the fixed
 * settings follow ../shared/REFERENCE.md ("Baselines as run").
 */

export const OPTIMISER_NAMES = [
  'ours',
  'ours-adaptive',
  'sgd',
  'adam',
  'kfac-deepmind',
  'kfac-kazuki',
  'exact-sfn',
  'exact-sfn-adaptive',
  'lbfgs',
] as const;
export type OptimiserName = (typeof OPTIMISER_NAMES)[number];

export const ACCELERATORS = ['wynn', 'sablonniere', 'levin', 'pade'] as const;
export type Accelerator = (typeof ACCELERATORS)[number];

/** The series: K terms, acceleration order N (uses the last 2N+1 partial sums). */
const series = {
  K: intAtLeast(1),
  N: intAtLeast(0),
  accelerator: withDefault(oneOf(ACCELERATORS), 'wynn'),
  /** 'reference': what the published code ran (plain Wynn, degenerate adaptive solve); 'exact': the maths */
  compat: withDefault(oneOf(['reference', 'exact'] as const), 'exact'),
  /** initial curvature scale V (raised to ||H^2 g|| / ||g|| when larger) */
  V0: withDefault(positive(), 100),
  /** power-iteration steps for a bound on V; 0 = off */
  powerIterations: withDefault(intAtLeast(0), 0),
};

/** Levenberg-Marquardt damping adaptation (KFAC's rule, as in the reference code). */
const levenbergMarquardt = {
  dampingDecay: withDefault(openUnitInterval(), 0.9),
  minDamping: withDefault(nonNegative(), 1e-8),
  rhoLow: withDefault(anyNumber(), 0.25),
  rhoHigh: withDefault(anyNumber(), 0.75),
};

const kfacCommon = {
  inverseUpdatePeriod: withDefault(intAtLeast(1), 1),
  /** Fisher from labels sampled from the model (as run) or from the data labels */
  fisher: withDefault(oneOf(['sampled', 'empirical'] as const), 'sampled'),
};

export const HYPERPARAMETER_SCHEMAS = {
  ours: z.strictObject({
    lr: positive(),
    momentum: withDefault(unitInterval(), 0),
    damping: withDefault(nonNegative(), 0),
    ...series,
  }),
  'ours-adaptive': z.strictObject({
    /** initial damping, adapted by Levenberg-Marquardt */
    damping: nonNegative(),
    ...series,
    ...levenbergMarquardt,
  }),
  sgd: z.strictObject({ lr: positive() }),
  adam: z.strictObject({
    lr: positive(),
    beta1: withDefault(unitInterval(), 0.9),
    beta2: withDefault(unitInterval(), 0.999),
    eps: withDefault(positive(), 1e-8),
  }),
  'kfac-deepmind': z.strictObject({
    damping: positive(),
    curvatureEma: withDefault(unitInterval(), 0.95),
    ...kfacCommon,
    ...levenbergMarquardt,
    burnIn: withDefault(intAtLeast(0), 10),
    dampingAdaptationPeriod: withDefault(intAtLeast(1), 1),
  }),
  'kfac-kazuki': z.strictObject({
    lr: positive(),
    momentum: unitInterval(),
    damping: positive(),
    curvatureEma: withDefault(unitInterval(), 0),
    ...kfacCommon,
    burnIn: withDefault(intAtLeast(0), 0),
  }),
  'exact-sfn': z.strictObject({
    lr: positive(),
    momentum: withDefault(unitInterval(), 0),
    /** eigenvalues with |lambda| <= threshold are replaced by 1 / smallEigLr */
    smallEigLr: positive(),
    threshold: nonNegative(),
  }),
  'exact-sfn-adaptive': z.strictObject({
    damping: nonNegative(),
    hessianEma: withDefault(unitInterval(), 0.95),
    ...levenbergMarquardt,
  }),
  lbfgs: z.strictObject({
    lr: withDefault(positive(), 1),
    historySize: withDefault(intAtLeast(1), 100),
    maxIterations: withDefault(intAtLeast(1), 20),
    maxEvaluations: withDefault(intAtLeast(1), 25),
    lineSearch: withDefault(oneOf(['strong-wolfe', 'none'] as const), 'strong-wolfe'),
    lineSearchMaxEvaluations: withDefault(intAtLeast(1), 20),
    gradientTolerance: withDefault(nonNegative(), 1e-5),
    changeTolerance: withDefault(nonNegative(), 1e-9),
  }),
} satisfies Record<OptimiserName, z.ZodObject>;

export type Hyperparameters = { [N in OptimiserName]: z.output<(typeof HYPERPARAMETER_SCHEMAS)[N]> };

export function isOptimiserName(name: unknown): name is OptimiserName {
  return typeof name === 'string' && (OPTIMISER_NAMES as readonly string[]).includes(name);
}

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
