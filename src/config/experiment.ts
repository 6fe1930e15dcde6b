import { z } from 'zod';
import type { LossKind } from '../models/loss-spec.js';
import type { ModelName } from '../models/zoo.js';
import { DURATION_HELP, parseDuration } from './duration.js';
import { allowedText, allowing, intAtLeast, oneOf } from './fields.js';
import { OPTIMISER_NAMES, type Hyperparameters, type OptimiserName } from './hyperparameters.js';

/** The experiment YAML: what it may contain and what loading it produces. */

export const DATASET_NAMES = ['uci-energy', 'fashion-mnist', 'svhn', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const CONFIG_MODELS = ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'resnet18', 'resnet18-cifar'] as const satisfies readonly ModelName[];
export type ConfigModel = (typeof CONFIG_MODELS)[number];

export const LOSSES = ['mse', 'ce'] as const satisfies readonly LossKind[];

/** Which models and loss fit each dataset (inputs, outputs, regression or classification). */
export const DATASET_RULES: Record<DatasetName, { models: readonly ConfigModel[]; loss: LossKind }> = {
  'uci-energy': { models: ['uci-mlp', 'uci-mlp-tanh'], loss: 'mse' },
  'fashion-mnist': { models: ['fmnist-mlp'], loss: 'ce' },
  svhn: { models: ['resnet18', 'resnet18-cifar'], loss: 'ce' },
  cifar10: { models: ['resnet18', 'resnet18-cifar'], loss: 'ce' },
};

/** A positive row count, or the whole training set at once. */
export type BatchSize = number | 'full';

const optional = <T extends z.ZodType>(schema: T) => allowing(schema.optional(), allowedText(schema) ?? 'a value');

const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const label = (what: string) =>
  allowing(z.string().regex(LABEL), `${what} made of letters, digits, '_', '.', '-' (starting with a letter or digit)`);

export const batchSizeSchema = allowing(
  z.union([z.number().int().min(1), z.literal('full')]),
  "an integer >= 1, or 'full' (the whole training set in one batch)",
);

const seedsSchema = allowing(
  z.union([
    z.number().int().min(1),
    z.array(z.number().int().min(0)).min(1).refine((s) => new Set(s).size === s.length),
  ]),
  'a count n >= 1 (seeds 0..n-1) or a non-empty list of distinct integers >= 0',
);

const timeBudgetSchema = allowing(
  z.union([z.number().positive(), z.string().refine((s) => (parseDuration(s) ?? 0) > 0)]),
  DURATION_HELP,
);

export const EXPERIMENT_SHAPE = {
  name: optional(label('a name')),
  description: optional(allowing(z.string(), 'text')),
  dataset: oneOf(DATASET_NAMES),
  model: oneOf(CONFIG_MODELS),
  loss: optional(oneOf(LOSSES)),
  epochs: intAtLeast(1),
  batchSize: batchSizeSchema,
  seeds: seedsSchema,
  evalInterval: optional(intAtLeast(1)),
  timeBudget: optional(timeBudgetSchema),
  maxSteps: optional(intAtLeast(1)),
  defaults: optional(allowing(z.record(z.string(), z.unknown()), 'a mapping of hyperparameters shared by the optimisers')),
  optimisers: allowing(z.array(z.unknown()).min(1), 'a non-empty list of optimiser entries, each with a name'),
  /** `sfn tune`'s search spaces per optimiser, checked by search-space-load.ts when a study uses them */
  searchSpaces: optional(allowing(z.record(z.string(), z.unknown()), 'a mapping from optimiser names to search spaces')),
};

/** Keys of an optimiser entry that are not hyperparameters. */
export const ENTRY_SHAPE = {
  name: oneOf(OPTIMISER_NAMES),
  preset: optional(label('a preset label')),
  batchSize: optional(batchSizeSchema),
};

export type OptimiserSpec = {
  [N in OptimiserName]: {
    /** position in the file's optimisers list */
    index: number;
    name: N;
    preset: string | null;
    /** "name" or "name:preset"; unique within an experiment */
    label: string;
    batchSize: BatchSize;
    /** the entry's own values over the shared defaults, with every schema default filled in */
    hyperparameters: Hyperparameters[N];
    /** where the entry starts in the file */
    location?: { line: number; column: number };
  };
}[OptimiserName];

export interface ExperimentSpec {
  /** the file it was read from */
  file: string;
  name: string;
  description: string | null;
  dataset: DatasetName;
  model: ConfigModel;
  loss: LossKind;
  epochs: number;
  /** the default batch size; each optimiser entry carries its own resolved one */
  batchSize: BatchSize;
  seeds: number[];
  /** evaluate validation and test losses every this many steps (the paper: every step) */
  evalInterval: number;
  /** per-run wall-clock budget in seconds; null = none */
  timeBudgetSeconds: number | null;
  maxSteps: number | null;
  optimisers: OptimiserSpec[];
}

export function optimiserLabel(name: string, preset: string | null | undefined): string {
  return preset ? `${name}:${preset}` : name;
}
