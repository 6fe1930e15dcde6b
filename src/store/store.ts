/**
 * The results store: experiments, runs, their per-step metrics and the studies of `sfn tune`. One
 * interface, two implementations: an SQLite file (better-sqlite3; the embedded default, one machine)
 * and a PostgreSQL server (node-postgres; many machines sharing studies and runs). The only code in
 * sfn that speaks SQL. Asynchronous because a server is; the SQLite one does its work synchronously
 * inside each call.
 */
import type { MetricsWriter, MetricsWriterOptions } from './metrics-writer.js';
import type { StudyStore } from './study-types.js';
import type {
  BeginRun,
  ExperimentRecord,
  FinalAndLowest,
  MetricPoint,
  RunFilter,
  RunFinish,
  RunKey,
  RunRecord,
  RunStart,
} from './types.js';
import { isServerUrl, type Liveness } from './liveness.js';
import { DEFAULT_DB_PATH } from './defaults.js';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreOptions extends MetricsWriterOptions {
  /** open for reading only: the database must exist and already have the current schema */
  readonly?: boolean;
  /** SQLite: how long a write waits for another process's transaction, in ms (default 30 s) */
  busyTimeoutMs?: number;
  /** heartbeats, when active work counts as lost, and how often lost work is retried */
  liveness?: Partial<Liveness>;
  /** PostgreSQL: how long an operation keeps retrying while the server cannot be reached, in ms (default 10 min) */
  retryMs?: number;
  /** told once per outage that the server cannot be reached and the store is retrying */
  onRetry?: (message: string) => void;
}

export interface Store {
  readonly kind: StoreKind;
  /** the file, or the server's URL without its password (for messages) */
  readonly location: string;
  /** a database path beside which logs and tuning output go (a server's: the default runs/sfn.db) */
  readonly filesBeside: string;
  readonly liveness: Liveness;

  /** The experiment with this name and identity (see configHash), created on first use. */
  findOrCreateExperiment(name: string, identity: unknown): Promise<ExperimentRecord>;
  listExperiments(): Promise<(ExperimentRecord & { runs: number })[]>;

  getRun(id: number): Promise<RunRecord | null>;
  findRun(key: RunKey): Promise<RunRecord | null>;
  /**
   * Starts the run with this key, or says why not, in one transaction (so that two processes, on one
   * machine or many, cannot both start one key). Completed and diverged runs are skipped; a run that
   * failed, was interrupted, or is 'running' but lost (its worker's heartbeat is older than its lease,
   * or on SQLite its process on this machine has ended) is deleted with its metrics and started
   * afresh, unless it was lost more than maxRetries times: then it is marked failed and skipped.
   * A started run is kept alive by this process's heartbeat until it ends.
   */
  beginRun(start: RunStart): Promise<BeginRun>;
  /** Records a run's outcome (flushing its metrics writer first). */
  finishRun(runId: number, finish: RunFinish): Promise<RunRecord>;
  /** Marks a run that is still 'running' as interrupted, keeping its metrics; false if it was not running. */
  markInterrupted(runId: number, reason?: string, partial?: Omit<RunFinish, 'status' | 'error'>): Promise<boolean>;
  /** Marks every lost 'running' run (see beginRun) as interrupted; returns those runs. */
  markOrphanedRunsInterrupted(): Promise<RunRecord[]>;
  deleteRun(runId: number): Promise<void>;
  /** Aborted when this process's heartbeat finds the run no longer its own (taken over after a silence). */
  watchRun(runId: number): AbortSignal;

  /** A buffered writer for a run's metrics (one per run; the same one if asked again). */
  metricsWriter(runId: number, options?: MetricsWriterOptions): Promise<MetricsWriter>;

  studies(): StudyStore;

  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  metricKeys(runId: number): Promise<string[]>;
  metricSeries(runId: number, key: string): Promise<MetricPoint[]>;
  /** One key's series for each of several runs (missing runs map to []). */
  metricSeriesForRuns(runIds: readonly number[], key: string): Promise<Map<number, MetricPoint[]>>;
  finalAndLowest(runId: number, key: string): Promise<FinalAndLowest>;

  /** Flushes every open metrics writer, stops the heartbeat and closes the connection(s). */
  close(): Promise<void>;
}

/**
 * Opens the store at `target`: a postgresql:// (or postgres://) URL, else an SQLite file path
 * (default runs/sfn.db; ':memory:' for a private one). The PostgreSQL driver is loaded only then.
 */
export async function openStore(target: string = DEFAULT_DB_PATH, options: StoreOptions = {}): Promise<Store> {
  if (isServerUrl(target)) {
    const { PgStore } = await import('./pg-store.js');
    return PgStore.open(target, options);
  }
  const { SqliteStore } = await import('./sqlite-store.js');
  return SqliteStore.open(target, options);
}
