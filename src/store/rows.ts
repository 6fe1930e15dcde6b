import type { ExperimentRecord, RunRecord, RunStatus } from './types.js';

/** Raw rows (SQLite's and PostgreSQL's alike) and their conversion to the records the rest of sfn sees. */

export interface ExperimentRow {
  id: number;
  name: string;
  config_hash: string;
  config_json: string;
  created_at: string;
}

export interface RunRow {
  id: number;
  experiment_id: number;
  experiment: string;
  optimiser: string;
  preset: string;
  seed: number;
  config_hash: string;
  config_json: string;
  backend: string;
  versions_json: string;
  status: RunStatus;
  error: string | null;
  pid: number | null;
  host: string | null;
  started_at: string;
  finished_at: string | null;
  wall_seconds: number | null;
  eval_seconds: number | null;
  steps: number | null;
  heartbeat_at: number | null;
  lease_s: number | null;
  retries: number;
}

export const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment, r.optimiser, r.preset, r.seed,
  r.config_hash, r.config_json, r.backend, r.versions_json, r.status, r.error, r.pid, r.host,
  r.started_at, r.finished_at, r.wall_seconds, r.eval_seconds, r.steps, r.heartbeat_at, r.lease_s, r.retries`;

export function toExperiment(r: ExperimentRow): ExperimentRecord {
  return {
    id: r.id,
    name: r.name,
    configHash: r.config_hash,
    config: JSON.parse(r.config_json),
    createdAt: r.created_at,
  };
}

export function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    experiment: r.experiment,
    optimiser: r.optimiser,
    preset: r.preset === '' ? null : r.preset,
    seed: r.seed,
    configHash: r.config_hash,
    config: JSON.parse(r.config_json),
    backend: r.backend,
    versions: JSON.parse(r.versions_json) as Record<string, string>,
    status: r.status,
    error: r.error,
    pid: r.pid,
    host: r.host,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    wallSeconds: r.wall_seconds,
    evalSeconds: r.eval_seconds,
    steps: r.steps,
    heartbeatAt: r.heartbeat_at,
    leaseSeconds: r.lease_s,
    retries: r.retries,
  };
}

/** The stores write NULL for NaN (SQLite cannot store NaN; PostgreSQL does the same for one meaning). */
export function fromSqlNumber(v: number | null): number {
  return v === null ? Number.NaN : v;
}
