/** Row shapes and enums of the results store. */

export const RUN_STATUSES = ['running', 'completed', 'diverged', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Final outcomes a rerun keeps; every other status is redone from scratch. */
export const KEPT_STATUSES: readonly RunStatus[] = ['completed', 'diverged'];

/**
 * Metric keys written by the training loop. Optimiser step info (lr, momentum, damping, rho, V,
 * hvps, ...) goes into the same table under its own names.
 */
export const METRIC_KEYS = {
  trainLoss: 'train_loss',
  valLoss: 'val_loss',
  testLoss: 'test_loss',
  valAccuracy: 'val_accuracy',
  testAccuracy: 'test_accuracy',
} as const;

export interface ExperimentRecord {
  id: number;
  name: string;
  configHash: string;
  config: unknown;
  createdAt: string;
}

/** What identifies a run: a rerun with the same key finds it instead of adding a duplicate. */
export interface RunKey {
  experimentId: number;
  optimiser: string;
  /** label of the hyperparameter preset, e.g. 'code' or 'paper'; null when there is none */
  preset: string | null;
  seed: number;
  /** the run's full resolved configuration; its hash is part of the key */
  config: unknown;
}

export interface RunStart extends RunKey {
  backend: string;
  /** software versions, e.g. { sfn, tfjs, node } */
  versions: Record<string, string>;
}

export interface RunRecord {
  id: number;
  experimentId: number;
  experiment: string;
  optimiser: string;
  preset: string | null;
  seed: number;
  configHash: string;
  config: unknown;
  backend: string;
  versions: Record<string, string>;
  status: RunStatus;
  error: string | null;
  pid: number | null;
  host: string | null;
  startedAt: string;
  finishedAt: string | null;
  wallSeconds: number | null;
  evalSeconds: number | null;
  steps: number | null;
  /** the last heartbeat of its worker (epoch seconds, database clock) while running; null before heartbeats */
  heartbeatAt: number | null;
  /** the silence, in seconds, after which the running run counts as lost */
  leaseSeconds: number | null;
  /** how often the run was taken over after its worker went silent */
  retries: number;
}

export interface RunFinish {
  status: Exclude<RunStatus, 'running'>;
  error?: string | null;
  /** whole run, evaluation included */
  wallSeconds?: number | null;
  /** part of wallSeconds spent evaluating */
  evalSeconds?: number | null;
  steps?: number | null;
}

/** What beginRun decided for a key. */
export type BeginRun =
  /** a completed or diverged run exists: nothing to do */
  | { action: 'skip'; run: RunRecord }
  /** the run is new, or an incomplete one was wiped and restarted (redone = true) */
  | { action: 'start'; run: RunRecord; redone: boolean; previousStatus: RunStatus | null }
  /** another live process is running it right now */
  | { action: 'busy'; run: RunRecord }
  /** it was lost to a silent worker more than maxRetries times: now marked failed (a rerun redoes it) */
  | { action: 'gave-up'; run: RunRecord };

export interface RunFilter {
  experiment?: string | string[];
  experimentId?: number | number[];
  optimiser?: string | string[];
  preset?: string | string[];
  status?: RunStatus | RunStatus[];
  seed?: number | number[];
}

/** One metric value at one step. NaN is stored as SQL NULL and read back as NaN. */
export interface MetricRow {
  step: number;
  epoch: number;
  /** seconds since the run started, evaluation included */
  wallTime: number;
  /** seconds since the run started, evaluation time excluded */
  wallTimeExclEval: number;
  key: string;
  value: number;
}

export type MetricPoint = Omit<MetricRow, 'key'>;

export interface StepValue {
  step: number;
  value: number;
}

export interface FinalAndLowest {
  /** value at the last recorded step (NaN if that value was not finite); null if never recorded */
  final: StepValue | null;
  /** smallest finite value and its first step; null if there is none */
  lowest: StepValue | null;
}
