import type Database from 'better-sqlite3';
import { decideExisting, lostReason, type LossCheck } from './begin-run.js';
import { DEFAULT_DB_PATH } from './defaults.js';
import { configHash, stableStringify } from './hash.js';
import { Heartbeat } from './heartbeat.js';
import { beatSqliteOnce } from './heartbeat-sql.js';
import { currentOwner, DB_NOW, resolveLiveness, type Liveness } from './liveness.js';
import { closeWriters, MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
import { openDatabase } from './open.js';
import { finalAndLowest, listRuns, metricKeys, metricSeries, metricSeriesForRuns } from './queries.js';
import { RUN_COLUMNS, toExperiment, toRun, type ExperimentRow, type RunRow } from './rows.js';
import type { Store, StoreOptions } from './store.js';
import { SqliteStudyStore } from './study-sqlite.js';
import type { StudyStore } from './study-types.js';
import type {
  BeginRun,
  ExperimentRecord,
  FinalAndLowest,
  MetricPoint,
  MetricRow,
  RunFinish,
  RunFilter,
  RunKey,
  RunRecord,
  RunStart,
} from './types.js';

const now = () => new Date().toISOString();

/**
 * The results store in one SQLite file (better-sqlite3, WAL). Several processes on one machine may
 * write to one file; each opens its own store. Every decision is one IMMEDIATE transaction, so
 * concurrent processes are serialised by SQLite's write lock. Methods are asynchronous only to share
 * the Store interface with the server store: the work is done synchronously inside each call.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly writers = new Map<number, MetricsWriter>();
  private readonly keyIds = new Map<string, number>();
  private readonly insertMetric: Database.Statement;
  private readonly clockQuery: Database.Statement;
  private studyStore: SqliteStudyStore | null = null;
  readonly heartbeat: Heartbeat;

  private constructor(
    readonly location: string,
    private readonly db: Database.Database,
    private readonly writerDefaults: MetricsWriterOptions,
    readonly liveness: Liveness,
    busyTimeoutMs: number,
  ) {
    this.insertMetric = db.prepare(
      `INSERT OR REPLACE INTO metrics (run_id, key_id, step, epoch, wall_time, wall_time_excl_eval, value)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.clockQuery = db.prepare(`SELECT ${DB_NOW.sqlite} AS now`);
    const intervalMs = liveness.heartbeatSeconds * 1000;
    this.heartbeat =
      location === ':memory:'
        ? new Heartbeat((items) => beatSqliteOnce(db, items), intervalMs)
        : new Heartbeat({ kind: 'sqlite', path: location, busyTimeoutMs }, intervalMs);
  }

  get filesBeside(): string {
    return this.location;
  }

  /** Opens (creating and migrating as needed) the database at `path`, default runs/sfn.db. */
  static open(path: string = DEFAULT_DB_PATH, options: StoreOptions = {}): SqliteStore {
    const { flushRows, flushMs, readonly, busyTimeoutMs } = options;
    const liveness = resolveLiveness(options.liveness);
    return new SqliteStore(path, openDatabase(path, { readonly, busyTimeoutMs }), { flushRows, flushMs }, liveness, busyTimeoutMs ?? 30_000);
  }

  // ---- experiments ----

  async findOrCreateExperiment(name: string, identity: unknown): Promise<ExperimentRecord> {
    const hash = configHash(identity);
    this.db
      .prepare(
        `INSERT INTO experiments (name, config_hash, config_json, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, config_hash) DO NOTHING`,
      )
      .run(name, hash, stableStringify(identity), now());
    const row = this.db.prepare('SELECT * FROM experiments WHERE name = ? AND config_hash = ?').get(name, hash) as ExperimentRow;
    return toExperiment(row);
  }

  async listExperiments(): Promise<(ExperimentRecord & { runs: number })[]> {
    const rows = this.db
      .prepare(
        `SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS runs
         FROM experiments e ORDER BY e.name, e.id`,
      )
      .all() as (ExperimentRow & { runs: number })[];
    return rows.map((r) => ({ ...toExperiment(r), runs: r.runs }));
  }

  // ---- runs ----

  async getRun(id: number): Promise<RunRecord | null> {
    return this.run(id);
  }

  async findRun(key: RunKey): Promise<RunRecord | null> {
    return this.find(key);
  }

  async beginRun(start: RunStart): Promise<BeginRun> {
    const begun = this.db.transaction((): BeginRun => {
      const existing = this.find(start);
      const d = decideExisting(existing, this.lossCheck());
      if (d.action === 'skip') return { action: 'skip', run: existing! };
      if (d.action === 'busy') return { action: 'busy', run: existing! };
      if (d.action === 'gave-up') {
        this.db.prepare(`UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`).run(d.reason, now(), existing!.id);
        return { action: 'gave-up', run: this.run(existing!.id)! };
      }
      if (existing) this.dropRun(existing.id);
      const owner = currentOwner();
      const info = this.db
        .prepare(
          `INSERT INTO runs (experiment_id, optimiser, preset, seed, config_hash, config_json, backend,
             versions_json, status, pid, host, started_at, heartbeat_at, lease_s, retries)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ${DB_NOW.sqlite}, ?, ?)`,
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
          this.liveness.staleSeconds,
          d.action === 'redo' ? d.retries : 0,
        );
      const run = this.run(Number(info.lastInsertRowid))!;
      return { action: 'start', run, redone: existing !== null, previousStatus: existing?.status ?? null };
    }).immediate();
    if (begun.action === 'start') this.heartbeat.hold({ kind: 'run', id: begun.run.id });
    return begun;
  }

  async finishRun(runId: number, finish: RunFinish): Promise<RunRecord> {
    await this.writers.get(runId)?.close();
    const info = this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, finished_at = ?, wall_seconds = ?, eval_seconds = ?, steps = ?
         WHERE id = ?`,
      )
      .run(finish.status, finish.error ?? null, now(), finish.wallSeconds ?? null, finish.evalSeconds ?? null, finish.steps ?? null, runId);
    this.heartbeat.release({ kind: 'run', id: runId });
    if (info.changes !== 1) throw new Error(`cannot finish run ${runId}: no such run in ${this.location}`);
    return this.run(runId)!;
  }

  async markInterrupted(runId: number, reason = 'interrupted', partial: Omit<RunFinish, 'status' | 'error'> = {}): Promise<boolean> {
    try {
      await this.writers.get(runId)?.close();
    } catch {
      // the database may be what failed; still try to record the interruption
    }
    this.heartbeat.release({ kind: 'run', id: runId });
    return this.interrupt(runId, reason, partial);
  }

  async markOrphanedRunsInterrupted(): Promise<RunRecord[]> {
    const check = this.lossCheck();
    const orphans = listRuns(this.db, { status: 'running' }).flatMap((r) => {
      const why = lostReason(r, check, false);
      return why === null ? [] : [{ run: r, why }];
    });
    for (const { run, why } of orphans) this.interrupt(run.id, why);
    return orphans.map((o) => this.run(o.run.id)!);
  }

  async deleteRun(runId: number): Promise<void> {
    this.dropRun(runId);
  }

  watchRun(runId: number): AbortSignal {
    return this.heartbeat.signal({ kind: 'run', id: runId }) ?? new AbortController().signal;
  }

  // ---- metrics ----

  async metricsWriter(runId: number, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
    const open = this.writers.get(runId);
    if (open) return open;
    if (!this.run(runId)) throw new Error(`cannot write metrics of run ${runId}: no such run in ${this.location}`);
    const writer = new MetricsWriter(
      runId,
      (id, rows) => this.insertRows(id, rows),
      { ...this.writerDefaults, ...options },
      () => this.writers.delete(runId),
    );
    this.writers.set(runId, writer);
    return writer;
  }

  // ---- studies (sfn tune) ----

  studies(): StudyStore {
    return (this.studyStore ??= new SqliteStudyStore(this.db, this.heartbeat, this.liveness, () => this.lossCheck()));
  }

  // ---- readers for the report ----

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return listRuns(this.db, filter);
  }

  async metricKeys(runId: number): Promise<string[]> {
    return metricKeys(this.db, runId);
  }

  async metricSeries(runId: number, key: string): Promise<MetricPoint[]> {
    return metricSeries(this.db, runId, key);
  }

  async metricSeriesForRuns(runIds: readonly number[], key: string): Promise<Map<number, MetricPoint[]>> {
    return metricSeriesForRuns(this.db, runIds, key);
  }

  async finalAndLowest(runId: number, key: string): Promise<FinalAndLowest> {
    return finalAndLowest(this.db, runId, key);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    const first = await closeWriters(this.writers.values());
    await this.heartbeat.close();
    this.db.close();
    if (first) throw first;
  }

  // ---- synchronous helpers (inside transactions) ----

  private lossCheck(): LossCheck {
    const { now: clock } = this.clockQuery.get() as { now: number };
    return { clock: { now: clock, serverStart: 0 }, liveness: this.liveness, checkProcess: true };
  }

  private run(id: number): RunRecord | null {
    const row = this.db
      .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`)
      .get(id) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  private find(key: RunKey): RunRecord | null {
    const row = this.db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE r.experiment_id = ? AND r.optimiser = ? AND r.preset = ? AND r.seed = ? AND r.config_hash = ?`,
      )
      .get(key.experimentId, key.optimiser, key.preset ?? '', key.seed, configHash(key.config)) as RunRow | undefined;
    return row ? toRun(row) : null;
  }

  private interrupt(runId: number, reason: string, partial: Omit<RunFinish, 'status' | 'error'> = {}): boolean {
    const info = this.db
      .prepare(
        `UPDATE runs SET status = 'interrupted', error = ?, finished_at = ?, wall_seconds = ?, eval_seconds = ?,
           steps = ? WHERE id = ? AND status = 'running'`,
      )
      .run(reason, now(), partial.wallSeconds ?? null, partial.evalSeconds ?? null, partial.steps ?? null, runId);
    return info.changes === 1;
  }

  private dropRun(runId: number): void {
    const w = this.writers.get(runId);
    if (w) {
      this.writers.delete(runId);
      void w.close().catch(() => {}); // synchronous sink: done here; its rows go with the run
    }
    this.heartbeat.release({ kind: 'run', id: runId });
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  }

  private insertRows(runId: number, rows: readonly MetricRow[]): void {
    try {
      this.db.transaction(() => {
        for (const r of rows) {
          this.insertMetric.run(runId, this.keyId(r.key), r.step, r.epoch, r.wallTime, r.wallTimeExclEval, Number.isNaN(r.value) ? null : r.value);
        }
      })();
    } catch (e) {
      // key ids inserted by the rolled-back transaction no longer exist
      this.keyIds.clear();
      throw e;
    }
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
}
