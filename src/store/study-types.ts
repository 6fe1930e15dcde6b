/**
 * Studies (`sfn tune`) in the results store: records and the asynchronous interface every study
 * store implements (SQLite on one machine; PostgreSQL serves the same study to many). Every
 * decision is one transaction inside the store and nothing about the study's progress is kept in
 * memory between calls, so any process may die at any moment and another continue the study.
 */

export const TRIAL_STATES = ['waiting', 'running', 'stopped', 'completed', 'failed'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** What ASHA's time is measured in: the trial's wall-clock seconds (evaluation included), its steps or its epochs. */
export const TIME_ATTRIBUTES = ['time', 'steps', 'epochs'] as const;
export type TimeAttribute = (typeof TIME_ATTRIBUTES)[number];

/** Everything that defines a study; two studies of one name must have equal settings. */
export interface StudySettings {
  /** the experiment file's name and identity (dataset, model, epochs, ...) */
  experiment: { name: string; identity: Record<string, unknown> };
  optimiser: string;
  /** the search space (src/config/search-space.ts), as data */
  space: unknown;
  /** hyperparameters every trial shares (the file's defaults) */
  base: Record<string, unknown>;
  timeAttr: TimeAttribute;
  /** max_t, in units of timeAttr */
  budget: number;
  grace: number;
  reductionFactor: number;
  samples: number;
  /** seed of the configuration sampler */
  seed: number;
  /** the metric key in the runs' metrics (e.g. val_loss) and whether lower is better */
  metric: string;
  mode: 'min' | 'max';
  /** seed every trial trains with (initialisation and batch order) */
  trialSeed: number;
}

export interface StudyDefinition {
  name: string;
  /** the experiment row the trials' runs belong to */
  experimentId: number;
  settings: StudySettings;
  /** the sampled configurations, trial 0 first; stored only when the study is created */
  configurations: Record<string, unknown>[];
}

export interface StudyRecord {
  id: number;
  name: string;
  experimentId: number;
  optimiser: string;
  settings: StudySettings;
  createdAt: string;
  trials: number;
}

export interface Owner {
  pid: number;
  host: string;
}

export interface TrialRecord {
  id: number;
  studyId: number;
  /** 0-based position in the sampled sequence */
  number: number;
  /** sampled hyperparameters (and batchSize when searched) */
  config: Record<string, unknown>;
  state: TrialState;
  /** how many times the trial was claimed (a restart after an interruption is a new attempt) */
  attempt: number;
  /** the run of the current attempt holding its per-step metrics */
  runId: number | null;
  owner: Owner | null;
  claimedAt: string | null;
  finishedAt: string | null;
  /** why it stopped, completed, failed or was requeued */
  reason: string | null;
  /** time attribute, metric value and step at the last decision (null before the first) */
  lastTime: number | null;
  lastValue: number | null;
  lastStep: number | null;
  /** highest rung index the current attempt recorded; null if none */
  rung: number | null;
  /** the last heartbeat of the running attempt's worker (epoch seconds, database clock) */
  heartbeatAt: number | null;
  /** the silence, in seconds, after which the running attempt counts as lost */
  leaseSeconds: number | null;
  /** how many attempts were lost to a silent worker (see Liveness.maxRetries) */
  retries: number;
}

/** One attempt of a trial, as the retry history keeps it. */
export interface TrialAttempt {
  trialId: number;
  trialNumber: number;
  attempt: number;
  runId: number | null;
  owner: Owner | null;
  claimedAt: string;
  /** null while it runs */
  endedAt: string | null;
  /** requeued: interrupted and put back; lost: its worker went silent (then requeued, or the trial failed) */
  outcome: 'completed' | 'stopped' | 'failed' | 'requeued' | 'lost' | null;
  reason: string | null;
}

/** What a trial's worker needs to report (JSON, sent to worker processes with the job). */
export interface TrialLink {
  studyId: number;
  study: string;
  trialId: number;
  number: number;
  attempt: number;
  timeAttr: TimeAttribute;
  metric: string;
  /** steps of one epoch (for timeAttr 'epochs') */
  stepsPerEpoch: number;
}

/** One report of a trial: the time attribute's value, the metric, and where in the run it was measured. */
export interface TrialReport {
  time: number;
  value: number;
  step: number;
  /** run seconds, evaluation included */
  wallTime: number;
}

export interface TrialDecision {
  /** 'lost': this caller no longer holds the trial (requeued or finished elsewhere); stop working on it */
  action: 'continue' | 'stop' | 'complete' | 'lost';
  rung: number | null;
  cutoff: number | null;
  reason: string;
  /**
   * with 'continue': the time attribute's value before which no later report of this attempt can be
   * judged (asha.ts nextDecisionTime), so that reports with finite values before it need not ask
   */
  nextDecisionAt?: number;
}

export interface TrialEnd {
  state: 'completed' | 'stopped' | 'failed';
  reason: string;
  /** the last report, for a trial that ended on its own: recorded at its highest reached, unrecorded rung, as Ray's on_trial_complete */
  last?: TrialReport;
}

export interface RungResult {
  trialId: number;
  trialNumber: number;
  attempt: number;
  rung: number;
  /** the rung's milestone in units of the time attribute */
  milestone: number;
  time: number;
  step: number;
  wallTime: number;
  value: number;
  reward: number;
  /** the cutoff it was compared with; null when the rung held no other result */
  cutoff: number | null;
  decision: 'continue' | 'stop' | 'complete';
  recordedAt: string;
}

export interface RungSummary {
  rung: number;
  milestone: number;
  recorded: number;
  /** the cutoff a trial arriving now would face, as a metric value; null while the rung is empty */
  cutoffValue: number | null;
}

export interface StudyProgress {
  counts: Record<TrialState, number>;
  /** the finished or running trial with the best last value */
  best: TrialRecord | null;
  rungs: RungSummary[];
}

export interface SettingDifference {
  key: string;
  stored: unknown;
  asked: unknown;
}

export type OpenStudy =
  | { kind: 'created' | 'opened'; study: StudyRecord }
  | { kind: 'mismatch'; study: StudyRecord; differences: SettingDifference[] };

/**
 * The study side of the store. Methods are asynchronous so that a server database can implement
 * them; the SQLite one does its work synchronously inside each call. Trial-changing methods take the
 * caller's attempt number and do nothing (returning false or 'lost') when the trial has since been
 * taken from the caller, so a late or duplicate call can never change another attempt's trial.
 */
export interface StudyStore {
  /** Creates the study with its trials (all waiting), or opens the one of that name if its settings are equal. */
  openStudy(def: StudyDefinition): Promise<OpenStudy>;
  findStudy(name: string): Promise<StudyRecord | null>;
  listStudies(): Promise<StudyRecord[]>;
  /**
   * Fails the study's lost running trials (see requeueOrphanedTrials), then claims the lowest waiting
   * one under a row lock (null: none waiting). The claim starts the attempt's lease: its worker must
   * attach a run (which starts the heartbeat) before the lease runs out.
   */
  claimTrial(studyId: number, owner?: Owner): Promise<TrialRecord | null>;
  /**
   * Running trials whose worker is lost (heartbeat older than its lease; on SQLite also a process
   * that ended on this machine) are failed: back to waiting, or failed for good once lost more than
   * maxRetries times, their attempt's history kept. Returns them as they are now (their reason says why).
   */
  requeueOrphanedTrials(studyId: number): Promise<TrialRecord[]>;
  /** Links the run that records the attempt's steps; this process's heartbeat keeps the attempt alive until it ends. */
  attachRun(trialId: number, attempt: number, runId: number): Promise<boolean>;
  /** ASHA's decision for one report, made and recorded in one transaction. */
  reportTrial(trialId: number, attempt: number, report: TrialReport): Promise<TrialDecision>;
  /** Ends a running trial (completed on its own, diverged, failed). */
  finishTrial(trialId: number, attempt: number, end: TrialEnd): Promise<boolean>;
  /** Puts an interrupted attempt back to waiting: its rung records go, its run is kept and marked interrupted. */
  requeueTrial(trialId: number, attempt: number, reason: string): Promise<boolean>;
  getTrial(trialId: number): Promise<TrialRecord | null>;
  listTrials(studyId: number): Promise<TrialRecord[]>;
  listRungResults(studyId: number): Promise<RungResult[]>;
  /** Every attempt of every trial, trial by trial, in attempt order (the retry history). */
  listAttempts(studyId: number): Promise<TrialAttempt[]>;
  studyProgress(studyId: number): Promise<StudyProgress>;
}
