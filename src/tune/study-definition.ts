/**
 * A study as `sfn tune` defines it from an experiment, a search space and the scheduler options;
 * and each claimed trial as a run job (src/train/job.ts) of the study's own experiment
 * (`tune:<study>`), so that every trial's steps are recorded like any `sfn run` run.
 */
import { experimentIdentity, HYPERPARAMETER_SCHEMAS, type ExperimentSpec, type OptimiserName, type OptimiserSpec } from '../config/index.js';
import type { ResolvedSpace } from '../config/search-space-load.js';
import { batchesPerEpoch } from '../data/batches.js';
import type { StudyRecord, StudySettings, TimeAttribute, TrialRecord } from '../store/study-types.js';
import type { RunJob } from '../train/job.js';
import { TUNE_METRICS, type TuneMetric } from './metrics.js';
import { sampleConfigurations, type Configuration } from './sampler.js';

export interface StudyOptions {
  algo: OptimiserName;
  timeAttr: TimeAttribute;
  /** max_t, in units of timeAttr */
  budget: number;
  grace: number;
  reductionFactor: number;
  samples: number;
  seed: number;
  metric: TuneMetric;
  /** the study's name; default <experiment>-<algo> */
  name?: string;
}

export interface StudyPlan {
  name: string;
  /** the experiment the trials' runs belong to */
  experimentName: string;
  experimentIdentity: Record<string, unknown>;
  settings: StudySettings;
  configurations: Configuration[];
}

/** What a trial's run takes from the experiment: all in the study's stored experiment identity. */
export type TrialSpec = Pick<ExperimentSpec, 'name' | 'dataset' | 'model' | 'loss' | 'epochs' | 'batchSize' | 'evalInterval' | 'timeBudgetSeconds' | 'maxSteps'>;

/** The experiment of a stored study, as its trials need it (`sfn tune --join`, without the experiment file). */
export function studySpec(settings: StudySettings): TrialSpec {
  const id = settings.experiment.identity as Omit<TrialSpec, 'name'>;
  return {
    name: settings.experiment.name,
    dataset: id.dataset,
    model: id.model,
    loss: id.loss,
    epochs: id.epochs,
    batchSize: id.batchSize,
    evalInterval: id.evalInterval,
    timeBudgetSeconds: id.timeBudgetSeconds ?? null,
    maxSteps: id.maxSteps ?? null,
  };
}

/** The name a study gets when none is given. */
export function defaultStudyName(spec: ExperimentSpec, algo: OptimiserName): string {
  return `${spec.name}-${algo}`;
}

/** The experiment (in the runs table) that holds a study's trial runs. */
export function studyExperimentName(study: string): string {
  return `tune:${study}`;
}

export function planStudy(spec: ExperimentSpec, space: ResolvedSpace, o: StudyOptions): StudyPlan {
  const name = o.name ?? defaultStudyName(spec, o.algo);
  const settings: StudySettings = {
    experiment: { name: spec.name, identity: experimentIdentity(spec) },
    optimiser: o.algo,
    space: space.space,
    base: space.base,
    timeAttr: o.timeAttr,
    budget: o.budget,
    grace: o.grace,
    reductionFactor: o.reductionFactor,
    samples: o.samples,
    seed: o.seed,
    metric: o.metric,
    mode: TUNE_METRICS[o.metric].mode,
    trialSeed: spec.seeds[0],
  };
  return {
    name,
    experimentName: studyExperimentName(name),
    experimentIdentity: { ...experimentIdentity(spec), study: name, timeAttr: o.timeAttr, budget: o.budget },
    settings,
    configurations: sampleConfigurations(space.space, o.seed, o.samples),
  };
}

/** A trial's full optimiser entry: the study's shared values, then the sampled ones, through the optimiser's schema. */
export function trialOptimiser(settings: StudySettings, config: Record<string, unknown>, defaultBatch: ExperimentSpec['batchSize'], preset: string): RunJob['optimiser'] {
  const name = settings.optimiser as OptimiserName;
  const { batchSize, ...sampled } = config;
  const hyperparameters = HYPERPARAMETER_SCHEMAS[name].parse({ ...settings.base, ...sampled }) as OptimiserSpec['hyperparameters'];
  return {
    name,
    preset,
    label: `${name}:${preset}`,
    batchSize: (batchSize as OptimiserSpec['batchSize'] | undefined) ?? defaultBatch,
    hyperparameters,
  } as RunJob['optimiser'];
}

/** Caps of a trial's run: the experiment's, and the budget on the study's time attribute. */
function trialCaps(spec: TrialSpec, s: StudySettings): Pick<RunJob, 'epochs' | 'maxSteps' | 'timeBudgetSeconds'> {
  const min = (a: number | null, b: number) => (a === null ? b : Math.min(a, b));
  return {
    epochs: s.timeAttr === 'epochs' ? Math.min(spec.epochs, Math.ceil(s.budget)) : spec.epochs,
    maxSteps: s.timeAttr === 'steps' ? min(spec.maxSteps, Math.ceil(s.budget)) : spec.maxSteps,
    timeBudgetSeconds: s.timeAttr === 'time' ? min(spec.timeBudgetSeconds, s.budget) : spec.timeBudgetSeconds,
  };
}

/** The run job of a claimed trial's attempt; its key includes the attempt, so a restart never overwrites the interrupted run. */
export function trialJob(spec: TrialSpec, study: StudyRecord, trial: TrialRecord, trainRows: number): RunJob {
  const s = study.settings;
  const optimiser = trialOptimiser(s, trial.config, spec.batchSize, `trial-${trial.number}`);
  const batchSize = optimiser.batchSize === 'full' ? trainRows : optimiser.batchSize;
  const stepsPerEpoch = batchesPerEpoch(trainRows, { batchSize, seed: 0, padding: 'reference' });
  const caps = trialCaps(spec, s);
  return {
    experimentId: study.experimentId,
    experiment: studyExperimentName(study.name),
    dataset: spec.dataset,
    model: spec.model,
    evalInterval: spec.evalInterval,
    ...caps,
    optimiser,
    seed: s.trialSeed,
    config: {
      dataset: spec.dataset,
      model: spec.model,
      loss: spec.loss,
      ...caps,
      batchSize: optimiser.batchSize,
      evalInterval: spec.evalInterval,
      optimiser: optimiser.name,
      preset: optimiser.preset,
      hyperparameters: optimiser.hyperparameters,
      study: study.name,
      trial: trial.number,
      attempt: trial.attempt,
    },
    trial: {
      studyId: study.id,
      study: study.name,
      trialId: trial.id,
      number: trial.number,
      attempt: trial.attempt,
      timeAttr: s.timeAttr,
      metric: s.metric,
      stepsPerEpoch,
    },
  };
}
