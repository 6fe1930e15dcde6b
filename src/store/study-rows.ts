/**
 * What both study stores (SQLite, PostgreSQL) share: raw rows and their records, the scheduler a
 * study's settings define, the loss rule for running trials, and how settings differ.
 */
import { rungMilestones, type AshaSettings } from '../tune/asha.js';
import { stableStringify } from './hash.js';
import { isStale, processEnded, silence, type DbClock, type Liveness } from './liveness.js';
import type {
  RungResult,
  SettingDifference,
  StudyRecord,
  StudySettings,
  TrialAttempt,
  TrialDecision,
  TrialRecord,
  TrialState,
} from './study-types.js';

export interface StudyRow {
  id: number;
  name: string;
  experiment_id: number;
  optimiser: string;
  settings_hash: string;
  settings_json: string;
  created_at: string;
  trials: number;
}

export interface TrialRow {
  id: number;
  study_id: number;
  number: number;
  config_json: string;
  state: TrialState;
  attempt: number;
  run_id: number | null;
  owner_pid: number | null;
  owner_host: string | null;
  claimed_at: string | null;
  finished_at: string | null;
  reason: string | null;
  last_time: number | null;
  last_value: number | null;
  last_step: number | null;
  heartbeat_at: number | null;
  lease_s: number | null;
  retries: number;
  rung: number | null;
}

export interface RungRow {
  trial_id: number;
  number: number;
  attempt: number;
  rung: number;
  time: number;
  step: number;
  wall_time: number;
  value: number;
  reward: number;
  cutoff: number | null;
  decision: RungResult['decision'];
  recorded_at: string;
}

export interface AttemptRow {
  trial_id: number;
  number: number;
  attempt: number;
  run_id: number | null;
  owner_pid: number | null;
  owner_host: string | null;
  claimed_at: string;
  ended_at: string | null;
  outcome: TrialAttempt['outcome'];
  reason: string | null;
}

export const STUDY_COLUMNS = 's.*, (SELECT COUNT(*) FROM trials t WHERE t.study_id = s.id) AS trials';
export const TRIAL_COLUMNS = `t.id, t.study_id, t.number, t.config_json, t.state, t.attempt, t.run_id, t.owner_pid, t.owner_host,
  t.claimed_at, t.finished_at, t.reason, t.last_time, t.last_value, t.last_step, t.heartbeat_at, t.lease_s, t.retries,
  (SELECT MAX(r.rung) FROM rung_results r WHERE r.trial_id = t.id) AS rung`;

/** A study's scheduler as the decisions need it (settings never change once a study exists). */
export interface Scheduler {
  asha: AshaSettings;
  /** reward = sign * metric */
  sign: 1 | -1;
  metric: string;
}

export function schedulerOf(settingsJson: string): Scheduler {
  const settings = JSON.parse(settingsJson) as StudySettings;
  return {
    asha: {
      milestones: rungMilestones(settings.grace, settings.reductionFactor, settings.budget),
      maxT: settings.budget,
      reductionFactor: settings.reductionFactor,
    },
    sign: settings.mode === 'min' ? -1 : 1,
    metric: settings.metric,
  };
}

/**
 * Why a running trial counts as lost, or null: its heartbeat is older than its lease, or (SQLite) the
 * process that claimed it ended on this machine (this process's own trials are in progress: a pool
 * claims them for its workers).
 */
export function trialLost(t: TrialRecord, clock: DbClock, checkProcess: boolean): string | null {
  if (isStale(t.heartbeatAt, t.leaseSeconds, clock)) {
    return `attempt ${t.attempt} went silent (${silence(t.heartbeatAt, clock)}, lease ${t.leaseSeconds} s) on process ${t.owner?.pid ?? '?'} on ${t.owner?.host ?? '?'}`;
  }
  if (checkProcess && processEnded(t.owner?.pid ?? null, t.owner?.host ?? null, false)) {
    return `attempt ${t.attempt} was left running by process ${t.owner?.pid ?? '?'} on ${t.owner?.host ?? '?'}, which ended`;
  }
  return null;
}

/** What becomes of a lost trial: requeued, or failed once it was lost more than maxRetries times. */
export function afterLoss(t: TrialRecord, why: string, liveness: Liveness): { state: 'waiting' | 'failed'; retries: number; reason: string } {
  const retries = t.retries + 1;
  if (retries > liveness.maxRetries) {
    return { state: 'failed', retries, reason: `${why}; lost ${retries} times (max retries ${liveness.maxRetries}): failed` };
  }
  return { state: 'waiting', retries, reason: `${why}; restarted (retry ${retries} of ${liveness.maxRetries})` };
}

export function lostDecision(trialId: number, attempt: number, row: { state: TrialState; attempt: number } | undefined): TrialDecision {
  const now = row ? `${row.state}, attempt ${row.attempt}` : 'gone';
  return { action: 'lost', rung: null, cutoff: null, reason: `trial ${trialId} attempt ${attempt} is no longer held by this worker (now ${now})` };
}

export function parseRungs(list: string | null): Set<number> {
  return new Set(list ? list.split(',').map(Number) : []);
}

export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function toStudy(r: StudyRow): StudyRecord {
  return {
    id: r.id,
    name: r.name,
    experimentId: r.experiment_id,
    optimiser: r.optimiser,
    settings: JSON.parse(r.settings_json) as StudySettings,
    createdAt: r.created_at,
    trials: r.trials,
  };
}

export function toTrial(r: TrialRow): TrialRecord {
  return {
    id: r.id,
    studyId: r.study_id,
    number: r.number,
    config: JSON.parse(r.config_json) as Record<string, unknown>,
    state: r.state,
    attempt: r.attempt,
    runId: r.run_id,
    owner: r.owner_pid === null ? null : { pid: r.owner_pid, host: r.owner_host ?? '' },
    claimedAt: r.claimed_at,
    finishedAt: r.finished_at,
    reason: r.reason,
    lastTime: r.last_time,
    lastValue: r.last_value,
    lastStep: r.last_step,
    rung: r.rung,
    heartbeatAt: r.heartbeat_at,
    leaseSeconds: r.lease_s,
    retries: r.retries,
  };
}

export function toRungResult(r: RungRow, s: Scheduler): RungResult {
  return {
    trialId: r.trial_id,
    trialNumber: r.number,
    attempt: r.attempt,
    rung: r.rung,
    milestone: s.asha.milestones[r.rung],
    time: r.time,
    step: r.step,
    wallTime: r.wall_time,
    value: r.value,
    reward: r.reward,
    cutoff: r.cutoff,
    decision: r.decision,
    recordedAt: r.recorded_at,
  };
}

export function toAttempt(r: AttemptRow): TrialAttempt {
  return {
    trialId: r.trial_id,
    trialNumber: r.number,
    attempt: r.attempt,
    runId: r.run_id,
    owner: r.owner_pid === null ? null : { pid: r.owner_pid, host: r.owner_host ?? '' },
    claimedAt: r.claimed_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    reason: r.reason,
  };
}

/** The settings that differ, by top-level key (nested ones, such as the experiment's identity, one level down). */
export function settingDifferences(stored: StudySettings, asked: StudySettings): SettingDifference[] {
  const out: SettingDifference[] = [];
  const walk = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string, depth: number) => {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      const x = a[key];
      const y = b[key];
      if (stableStringify(x) === stableStringify(y)) continue;
      const nested = depth > 0 && isObject(x) && isObject(y);
      if (nested) walk(x, y, `${prefix}${key}.`, depth - 1);
      else out.push({ key: `${prefix}${key}`, stored: x, asked: y });
    }
  };
  walk(stored as unknown as Record<string, unknown>, asked as unknown as Record<string, unknown>, '', 2);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
