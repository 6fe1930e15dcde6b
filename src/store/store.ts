import type Database from 'better-sqlite3';
import { configHash, stableStringify } from './hash.js';
import { MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
import { DEFAULT_DB_PATH, openDatabase, type OpenOptions } from './open.js';
import { currentOwner, isOwnerAlive } from './owner.js';
import { finalAndLowest, listRuns, metricKeys, metricSeries, metricSeriesForRuns } from './queries.js';
import { RUN_COLUMNS, toExperiment, toRun, type ExperimentRow, type RunRow } from './rows.js';
import { SqliteStudyStore } from './study-sqlite.js';
import type { StudyStore } from './study-types.js';
import {
  KEPT_STATUSES,
  type BeginRun,
  type ExperimentRecord,
  type FinalAndLowest,
  type MetricPoint,
  type MetricRow,
  type RunFinish,
  type RunFilter,
  type RunKey,
  type RunRecord,
  type RunStart,
} from './types.js';

const now = () => new Date().toISOString();

/**
 * The results store: experiments, runs and their per-step metrics in one SQLite file.
 * The only code in sfn that speaks SQL. Several processes may write to one file (WAL mode);
 * each opens its own Store.
 */
export class Store {
  private readonly writers = new Map<number, MetricsWriter>();
  private readonly keyIds = new Map<string, number>();
  private readonly insertMetric: Database.Statement;
  private studyStore: StudyStore | null = null;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly writerDefaults: MetricsWriterOptions,
  ) {
    this.insertMetric = db.prepare(
      `INSERT OR REPLACE INTO metrics (run_id, key_id, step, epoch, wall_time, wall_time_excl_eval, value)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Opens (creating and migrating as needed) the database at `path`, default runs/sfn.db. */
  static open(path: string = DEFAULT_DB_PATH, options: OpenOptions & MetricsWriterOptions = {}): Store {
    const { flushRows, flushMs, ...open } = options;
    return new Store(path, openDatabase(path, open), { flushRows, flushMs });
  }

  // ---- experiments ----

  /** The experiment with this name and identity (see configHash), created on first use. */
  findOrCreateExperiment(name: string, identity: unknown): ExperimentRecord {
    const hash = configHash(identity);
    this.db
      .prepare(
        `INSERT INTO experiments (name, config_hash, config_json, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, config_hash) DO NOTHING`,
      )
      .run(name, hash, stableStringify(identity), now());
    const row = this.db
      .prepare('SELECT * FROM experiments WHERE name = ? AND config_hash = ?')
      .get(name, hash) as ExperimentRow;
    return toExperiment(row);
  }

  listExperiments(): (ExperimentRecord & { runs: number })[] {
    const rows = this.db
      .prepare(
        `SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS runs
         FROM experiments e ORDER BY e.name, e.id`,
      )
      .all() as (ExperimentRow & { runs: number })[];
    return rows.map((r) => ({ ...toExperiment(r), runs: r.runs }));
  }

  // ---- runs ----

  getRun(id: number): RunRecord | null {
    const row = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`)
      .get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  findRun(key: RunKey): RunRecord | null {
    const row = this.db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE r.experiment_id = ? AND r.optimiser = ? AND r.preset = ? AND r.seed = ? AND r.config_hash = ?`,
      )
      .get(key.experimentId, key.optimiser, key.preset ?? '', key.seed, configHash(key.config)) as
      | RunRow
      | undefined;
    return row ? toRun(row) : null;
  }

  /**
   * Starts the run with this key, or says why not. Completed and diverged runs are skipped; a run
   * that failed, was interrupted, or was left 'running' by a process that no longer exists is
   * deleted with all its metrics and started afresh, so reruns never duplicate. One IMMEDIATE
   * transaction, so two processes cannot both start the same key.
   */
  beginRun(start: RunStart): BeginRun {
    return this.db.transaction((): BeginRun => {
      const existing = this.findRun(start);
      if (existing && KEPT_STATUSES.includes(existing.status)) return { action: 'skip', run: existing };
      if (existing && existing.status === 'running' && isOwnerAlive(existing.pid, existing.host)) {
        return { action: 'busy', run: existing };
      }
      if (existing) this.deleteRun(existing.id);
      const owner = currentOwner();
      const info = this.db
        .prepare(
          `INSERT INTO runs (experiment_id, optimiser, preset, seed, config_hash, config_json, backend,
             versions_json, status, pid, host, started_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
        )
        .run(
          start.experimentId,
          start.optimiser,
          start.preset ?? '',
          start.seed,
          configHash(start.config),
          stableStringify(start.config),
          start.backend,
          JSON.stringify(start.versions),
          owner.pid,
          owner.host,
          now(),
        );
      const run = this.getRun(Number(info.lastInsertRowid))!;
      return { action: 'start', run, redone: existing !== null, previousStatus: existing?.status ?? null };
    }).immediate();
  }

  /** Records a run's outcome (flushing its metrics writer first). */
  finishRun(runId: number, finish: RunFinish): RunRecord {
    this.writers.get(runId)?.close();
    const info = this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, finished_at = ?, wall_seconds = ?, eval_seconds = ?, steps = ?
         WHERE id = ?`,
      )
      .run(
        finish.status,
        finish.error ?? null,
        now(),
        finish.wallSeconds ?? null,
        finish.evalSeconds ?? null,
        finish.steps ?? null,
        runId,
      );
    if (info.changes !== 1) throw new Error(`cannot finish run ${runId}: no such run in ${this.path}`);
    return this.getRun(runId)!;
  }

  /**
   * Marks a run that is still 'running' as interrupted (e.g. on Ctrl-C), keeping its metrics for
   * inspection; a rerun redoes it. Returns false if the run was not running.
   */
  markInterrupted(runId: number, reason = 'interrupted', partial: Omit<RunFinish, 'status' | 'error'> = {}): boolean {
    try {
      this.writers.get(runId)?.close();
    } catch {
      // the database may be what failed; still try to record the interruption
    }
    const info = this.db
      .prepare(
        `UPDATE runs SET status = 'interrupted', error = ?, finished_at = ?, wall_seconds = ?, eval_seconds = ?,
           steps = ? WHERE id = ? AND status = 'running'`,
      )
      .run(reason, now(), partial.wallSeconds ?? null, partial.evalSeconds ?? null, partial.steps ?? null, runId);
    return info.changes === 1;
  }

  /** Marks every 'running' run whose process has gone as interrupted; returns those runs. */
  markOrphanedRunsInterrupted(): RunRecord[] {
    const orphans = listRuns(this.db, { status: 'running' }).filter((r) => !isOwnerAlive(r.pid, r.host));
    for (const r of orphans) {
      this.markInterrupted(r.id, `process ${r.pid ?? '?'} on ${r.host ?? '?'} ended without finishing the run`);
    }
    return orphans.map((r) => this.getRun(r.id)!);
  }

  /** Deletes a run and all its metrics. */
  deleteRun(runId: number): void {
    const w = this.writers.get(runId);
    if (w) {
      this.writers.delete(runId);
      w.close();
    }
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  }

  // ---- metrics ----

  /** A buffered writer for a run's metrics (one per run; the same one if asked again). */
  metricsWriter(runId: number, options: MetricsWriterOptions = {}): MetricsWriter {
    const open = this.writers.get(runId);
    if (open) return open;
    if (!this.getRun(runId)) throw new Error(`cannot write metrics of run ${runId}: no such run in ${this.path}`);
    const writer = new MetricsWriter(
      runId,
      (id, rows) => this.insertRows(id, rows),
      { ...this.writerDefaults, ...options },
      () => this.writers.delete(runId),
    );
    this.writers.set(runId, writer);
    return writer;
  }

  private insertRows(runId: number, rows: readonly MetricRow[]): void {
    try {
      this.insertRowsTransaction(runId, rows);
    } catch (e) {
      // key ids inserted by the rolled-back transaction no longer exist
      this.keyIds.clear();
      throw e;
    }
  }

  private insertRowsTransaction(runId: number, rows: readonly MetricRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.insertMetric.run(
          runId,
          this.keyId(r.key),
          r.step,
          r.epoch,
          r.wallTime,
          r.wallTimeExclEval,
          Number.isNaN(r.value) ? null : r.value,
        );
      }
    })();
  }

  private keyId(name: string): number {
    let id = this.keyIds.get(name);
    if (id === undefined) {
      this.db.prepare('INSERT INTO metric_keys (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
      id = (this.db.prepare('SELECT id FROM metric_keys WHERE name = ?').get(name) as { id: number }).id;
      this.keyIds.set(name, id);
    }
    return id;
  }

  // ---- studies (sfn tune) ----

  /** The studies of this database, on the same connection (asynchronous: see StudyStore). */
  studies(): StudyStore {
    return (this.studyStore ??= new SqliteStudyStore(this.db));
  }

  // ---- readers for the report ----

  listRuns(filter: RunFilter = {}): RunRecord[] {
    return listRuns(this.db, filter);
  }

  metricKeys(runId: number): string[] {
    return metricKeys(this.db, runId);
  }

  metricSeries(runId: number, key: string): MetricPoint[] {
    return metricSeries(this.db, runId, key);
  }

  /** One key's series for each of several runs (missing runs map to []), in one query. */
  metricSeriesForRuns(runIds: readonly number[], key: string): Map<number, MetricPoint[]> {
    return metricSeriesForRuns(this.db, runIds, key);
  }

  finalAndLowest(runId: number, key: string): FinalAndLowest {
    return finalAndLowest(this.db, runId, key);
  }

  /** Flushes every open metrics writer and closes the database. */
  close(): void {
    if (!this.db.open) return;
    let first: unknown = null;
    for (const w of [...this.writers.values()]) {
      try {
        w.close();
      } catch (e) {
        first ??= e;
      }
    }
    this.db.close();
    if (first) throw first;
  }
}
