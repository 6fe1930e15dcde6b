/**
 * Search spaces: for one optimiser, an ordered list of hyperparameters (names of its schema in
 * src/config/hyperparameters.ts, plus `batchSize`), each with a distribution or a fixed value.
 * Written in the experiment YAML under `searchSpaces: { <optimiser>: { <name>: <distribution> } }`
 * in the same form as PAPER_SPACES below, which are the paper's (../shared/REFERENCE.md, "Tuning as
 * run") and are used for optimisers the file gives no space.
 */
import type { DatasetName } from './experiment.js';
import type { OptimiserName } from './hyperparameters.js';

export type Scalar = number | string | boolean;

export type Distribution =
  /** exp(uniform(log low, log high)) */
  | { kind: 'logUniform'; low: number; high: number }
  | { kind: 'uniform'; low: number; high: number }
  /** an integer in [low, high], each equally likely */
  | { kind: 'intUniform'; low: number; high: number }
  /** 1 - x with x log-uniform in [low, high] (Adam's betas: 1 - beta is what the paper samples) */
  | { kind: 'oneMinusLogUniform'; low: number; high: number }
  | { kind: 'choice'; values: Scalar[] }
  | { kind: 'fixed'; value: Scalar }
  /** the series' acceleration order N: an integer in [0, floor((K - 1) / 2)], K = the sampled value of `of` */
  | { kind: 'accelerationOrder'; of: string };

export interface SpaceParam {
  name: string;
  dist: Distribution;
}

export interface SearchSpace {
  optimiser: OptimiserName;
  /** in sampling order (a dependent parameter comes after the one it depends on) */
  params: SpaceParam[];
}

/** The YAML forms of a distribution (a plain scalar is a fixed value). */
export const DISTRIBUTION_FORMS = ['logUniform', 'uniform', 'intUniform', 'oneMinusLogUniform', 'choice', 'accelerationOrder'] as const;

/** The batch sizes the paper searched, for every experiment except UCI Energy (full batch). */
export const PAPER_BATCH_SIZES = [50, 100, 200, 400, 800, 1600, 3200];

const seriesSpace = { K: { intUniform: [1, 20] }, N: { accelerationOrder: 'K' } };
const momentum = { logUniform: [1e-3, 0.95] };

/** The paper's spaces as YAML-shaped data (log-uniform unless stated). L-BFGS was not tuned. */
export const PAPER_SPACES: Partial<Record<OptimiserName, Record<string, unknown>>> = {
  ours: { ...seriesSpace, damping: { logUniform: [1e-8, 1] }, lr: { logUniform: [1e-3, 5] }, momentum },
  'ours-adaptive': { ...seriesSpace, damping: { logUniform: [1e-8, 1] } },
  sgd: { lr: { logUniform: [1e-6, 0.1] } },
  adam: {
    lr: { logUniform: [1e-6, 1] },
    eps: { logUniform: [1e-10, 10] },
    beta1: { oneMinusLogUniform: [1e-3, 1] },
    beta2: { oneMinusLogUniform: [1e-4, 1] },
  },
  'kfac-deepmind': { damping: { logUniform: [1e-8, 1] }, curvatureEma: 0.95 },
  'kfac-kazuki': { damping: { logUniform: [1e-8, 1] }, lr: { logUniform: [1e-6, 10] }, momentum, curvatureEma: 0 },
  'exact-sfn': {
    lr: { logUniform: [1e-6, 0.1] },
    momentum,
    smallEigLr: { logUniform: [1e-3, 10] },
    threshold: { logUniform: [1e-10, 1e-3] },
  },
  'exact-sfn-adaptive': { damping: { logUniform: [1e-8, 10] } },
};

/** The paper's batch-size search for this dataset, or null where it trained on the full batch. */
export function paperBatchSizeSpace(dataset: DatasetName): Record<string, unknown> | null {
  return dataset === 'uci-energy' ? null : { choice: PAPER_BATCH_SIZES };
}

/** "lr ~ logUniform[1e-06, 1]" etc., for messages and the study summary. */
export function describeDistribution(d: Distribution): string {
  switch (d.kind) {
    case 'fixed': return JSON.stringify(d.value);
    case 'choice': return `one of ${d.values.join(', ')}`;
    case 'accelerationOrder': return `integer in [0, floor((${d.of} - 1) / 2)]`;
    case 'oneMinusLogUniform': return `1 - logUniform[${d.low}, ${d.high}]`;
    default: return `${d.kind}[${d.low}, ${d.high}]`;
  }
}
