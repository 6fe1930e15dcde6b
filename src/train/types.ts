import type { Dataset } from '../data/types.js';
import type { Padding } from '../data/batches.js';
import type { ModelDef } from '../models/zoo.js';
import type { Optimizer, StepInfo } from '../optim/optimizer.js';

export interface TrainOptions {
  dataset: Dataset;
  model: ModelDef;
  optimizer: Optimizer;
  /** initialisation and batch order */
  seed: number;
  epochs: number;
  /** rows per step, or 'full' (the whole training set every step) */
  batchSize: number | 'full';
  /** evaluate the validation and test sets every this many steps (the paper: 1); the last step is always evaluated */
  evalInterval?: number;
  /** stop after this many optimiser steps */
  maxSteps?: number | null;
  /** stop once the run has used this many wall-clock seconds (evaluation included) */
  timeBudgetSeconds?: number | null;
  /** how the last short batch is padded; default 'reference' (whole batches with masked rows, as the paper's code) */
  padding?: Padding;
  /** aborting stops the run after the current step with stopReason 'interrupted' */
  signal?: AbortSignal;
  /** called after every step with what was measured (synchronously: keep it cheap) */
  onStep?: (record: StepRecord) => void;
  /** asked after every step (after onStep): true ends the run with stopReason 'stopped' (e.g. a tuner's scheduler) */
  shouldStop?: (record: StepRecord) => boolean | Promise<boolean>;
}

/** Everything measured at one step. Steps count from 1; `trainLoss` is the loss on the step's batch before its update. */
export interface StepRecord {
  step: number;
  /** 0-based epoch the step's batch belongs to */
  epoch: number;
  /** seconds since the run started, evaluation included */
  wallTime: number;
  /** the same without the time spent evaluating */
  wallTimeExclEval: number;
  trainLoss: number;
  /** present at evaluation steps: after the update, in evaluation mode, over the whole split */
  valLoss?: number;
  testLoss?: number;
  valAccuracy?: number;
  testAccuracy?: number;
  /** the optimiser's step info (lr, momentum, damping, rho, V, hvps, ...) */
  info: StepInfo;
}

export type StopReason = 'epochs' | 'max-steps' | 'time-budget' | 'diverged' | 'interrupted' | 'stopped';

export interface TrainResult {
  stopReason: StopReason;
  /** optimiser steps taken (recorded steps, the diverging one included) */
  steps: number;
  /** epochs begun */
  epochs: number;
  wallSeconds: number;
  evalSeconds: number;
  /** the last step's record; null if no step was taken */
  last: StepRecord | null;
  /** the last evaluation's record; null if there was none */
  lastEval: StepRecord | null;
  /** why the run diverged */
  divergence?: string;
}
