/**
 * One run of an experiment as a self-contained, JSON-serialisable job (so a worker process can run
 * it), and running it against the results store: start or skip by the store's resume rules, train,
 * write every step's metrics, record the outcome.
 */
import type { ExperimentSpec, OptimiserSpec } from '../config/experiment.js';
import { runConfig } from '../config/runs.js';
import type { Dataset } from '../data/types.js';
import { batchesPerEpoch } from '../data/batches.js';
import { modelByName } from '../models/zoo.js';
import { parameterCount } from '../models/spec.js';
import { createOptimizer } from '../optim/registry.js';
import { METRIC_KEYS, type RunRecord } from '../store/types.js';
import type { Store } from '../store/store.js';
import type { TrialLink } from '../store/study-types.js';
import { softwareVersions } from '../store/versions.js';
import { train } from './loop.js';
import type { StepRecord, StopReason, TrainResult } from './types.js';
import { holdClaimForTests } from '../util/test-claim-hold.js';

export interface RunJob {
  experimentId: number;
  experiment: string;
  dataset: ExperimentSpec['dataset'];
  model: ExperimentSpec['model'];
  epochs: number;
  evalInterval: number;
  maxSteps: number | null;
  timeBudgetSeconds: number | null;
  optimiser: Pick<OptimiserSpec, 'name' | 'preset' | 'label' | 'batchSize' | 'hyperparameters'>;
  seed: number;
  /** the run's resolved configuration, part of its key in the store */
  config: Record<string, unknown>;
  /** set when the run is an attempt of a `sfn tune` trial, which reports to its study after every step */
  trial?: TrialLink;
}

/** Every (optimiser, seed) pair of an experiment, optimiser by optimiser. */
export function experimentJobs(spec: ExperimentSpec, experimentId: number): RunJob[] {
  return spec.optimisers.flatMap((opt) =>
    spec.seeds.map((seed) => ({
      experimentId,
      experiment: spec.name,
      dataset: spec.dataset,
      model: spec.model,
      epochs: spec.epochs,
      evalInterval: spec.evalInterval,
      maxSteps: spec.maxSteps,
      timeBudgetSeconds: spec.timeBudgetSeconds,
      optimiser: { name: opt.name, preset: opt.preset, label: opt.label, batchSize: opt.batchSize, hyperparameters: opt.hyperparameters },
      seed,
      config: runConfig(spec, opt),
    })),
  );
}

export function jobKey(job: RunJob) {
  return { experimentId: job.experimentId, optimiser: job.optimiser.name, preset: job.optimiser.preset, seed: job.seed, config: job.config };
}

/** Steps the job will take if nothing stops it early (padding may skip a few empty batches). */
export function plannedSteps(job: RunJob, trainRows: number): number {
  const batchSize = job.optimiser.batchSize === 'full' ? trainRows : job.optimiser.batchSize;
  const steps = job.epochs * batchesPerEpoch(trainRows, { batchSize, seed: 0, padding: 'reference' });
  return job.maxSteps === null ? steps : Math.min(steps, job.maxSteps);
}

export interface JobProgress {
  step: number;
  total: number;
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  testLoss?: number;
}

export interface JobContext {
  store: Store;
  backend: string;
  dataset: (name: RunJob['dataset']) => Promise<Dataset>;
  signal?: AbortSignal;
  /** throttled to about `progressMs` */
  onProgress?: (p: JobProgress) => void;
  progressMs?: number;
  /** called once the run is started in the store */
  onStart?: (run: RunRecord, redone: boolean) => void;
  /** what a caller adds to a job's run (e.g. a tuner's trial reports), or null */
  hooks?: (job: RunJob) => RunHooks | null;
}

/** A caller's part in a run: told when it starts, asked after every step whether to stop, told how it ended. */
export interface RunHooks {
  started?: (run: RunRecord) => Promise<void>;
  shouldStop?: (record: StepRecord) => boolean | Promise<boolean>;
  ended?: (outcome: JobOutcome, result: TrainResult | null) => Promise<void>;
  /** asked when training ends: a reason if the caller no longer wants the run (it is then recorded as interrupted), else null */
  abandoned?: () => string | null;
}

export type JobOutcome =
  | { kind: 'skipped'; run: RunRecord }
  | { kind: 'busy'; run: RunRecord }
  /** lost to silent workers more than the retries allow: marked failed without running */
  | { kind: 'gave-up'; run: RunRecord }
  | { kind: 'finished'; run: RunRecord; stopReason: StopReason }
  | { kind: 'interrupted'; run: RunRecord }
  | { kind: 'failed'; run: RunRecord; error: string };

export async function runJob(job: RunJob, ctx: JobContext): Promise<JobOutcome> {
  const hooks = ctx.hooks?.(job) ?? null;
  let result: TrainResult | null = null;
  const outcome = await trainAndRecord(job, ctx, hooks, (r) => (result = r));
  await hooks?.ended?.(outcome, result);
  return outcome;
}

async function trainAndRecord(job: RunJob, ctx: JobContext, hooks: RunHooks | null, trained: (r: TrainResult) => void): Promise<JobOutcome> {
  const dataset = await ctx.dataset(job.dataset);
  const model = modelByName(job.model, dataset.classes);
  const optimizer = createOptimizer(job.optimiser, { parameterCount: parameterCount(model.spec), seed: job.seed });
  const begin = await ctx.store.beginRun({ ...jobKey(job), backend: ctx.backend, versions: softwareVersions() });
  if (begin.action === 'skip') return { kind: 'skipped', run: begin.run };
  if (begin.action === 'busy') return { kind: 'busy', run: begin.run };
  if (begin.action === 'gave-up') return { kind: 'gave-up', run: begin.run };
  const runId = begin.run.id;
  ctx.onStart?.(begin.run, begin.redone);
  await holdClaimForTests(ctx.signal);

  const writer = await ctx.store.metricsWriter(runId);
  const total = plannedSteps(job, dataset.train.rows);
  const progressMs = ctx.progressMs ?? 200;
  let lastProgress = 0;
  const onStep = (r: StepRecord) => {
    writer.writeStep({ step: r.step, epoch: r.epoch, wallTime: r.wallTime, wallTimeExclEval: r.wallTimeExclEval }, stepValues(r));
    const now = Date.now();
    if (ctx.onProgress && (now - lastProgress >= progressMs || r.step === total)) {
      lastProgress = now;
      ctx.onProgress({ step: r.step, total, epoch: r.epoch, trainLoss: r.trainLoss, valLoss: r.valLoss, testLoss: r.testLoss });
    }
  };
  // the run stops after its step when the caller aborts, or when the heartbeat finds it taken over
  const taken = ctx.store.watchRun(runId);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, taken]) : taken;
  // the run as last known, should it have been taken over and deleted by another worker
  const lastKnown = async (status: RunRecord['status'], error: string): Promise<RunRecord> =>
    (await ctx.store.getRun(runId)) ?? { ...begin.run, status, error };
  try {
    await hooks?.started?.(begin.run);
    const result = await train({
      dataset,
      model,
      optimizer,
      seed: job.seed,
      epochs: job.epochs,
      batchSize: job.optimiser.batchSize,
      evalInterval: job.evalInterval,
      maxSteps: job.maxSteps,
      timeBudgetSeconds: job.timeBudgetSeconds,
      signal,
      onStep,
      shouldStop: hooks?.shouldStop,
    });
    trained(result);
    const timings = { wallSeconds: result.wallSeconds, evalSeconds: result.evalSeconds, steps: result.steps };
    const abandoned = hooks?.abandoned?.() ?? (taken.aborted ? `taken over: ${(taken.reason as Error).message}` : null);
    if (result.stopReason === 'interrupted' || abandoned !== null) {
      const reason = abandoned ?? 'interrupted (signal); rerun the same command to redo it';
      await ctx.store.markInterrupted(runId, reason, timings);
      return { kind: 'interrupted', run: await lastKnown('interrupted', reason) };
    }
    const status = result.stopReason === 'diverged' ? 'diverged' : 'completed';
    const error = result.stopReason === 'diverged' ? `diverged: ${result.divergence}` : null;
    let run;
    try {
      run = await ctx.store.finishRun(runId, { status, error, ...timings });
    } catch {
      // one retry (e.g. the database was busy past its timeout) before a fully trained run counts as failed
      run = await ctx.store.finishRun(runId, { status, error, ...timings });
    }
    return { kind: 'finished', run, stopReason: result.stopReason };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    try {
      const run = await ctx.store.finishRun(runId, { status: 'failed', error: message });
      return { kind: 'failed', run, error: message };
    } catch {
      return { kind: 'failed', run: await lastKnown('failed', message).catch(() => ({ ...begin.run, status: 'failed' as const, error: message })), error: message };
    }
  }
}

/** The metrics of one step under the store's keys, optimiser info under its own names. */
function stepValues(r: StepRecord): Record<string, number> {
  const v: Record<string, number> = { [METRIC_KEYS.trainLoss]: r.trainLoss };
  if (r.valLoss !== undefined) v[METRIC_KEYS.valLoss] = r.valLoss;
  if (r.testLoss !== undefined) v[METRIC_KEYS.testLoss] = r.testLoss;
  if (r.valAccuracy !== undefined) v[METRIC_KEYS.valAccuracy] = r.valAccuracy;
  if (r.testAccuracy !== undefined) v[METRIC_KEYS.testAccuracy] = r.testAccuracy;
  for (const [k, x] of Object.entries(r.info)) if (!(k in v)) v[k] = x;
  return v;
}
