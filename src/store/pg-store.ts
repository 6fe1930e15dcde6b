import { decideExisting, lostReason, type LossCheck } from './begin-run.js';
import { DEFAULT_DB_PATH } from './defaults.js';
import { configHash, stableStringify } from './hash.js';
import { Heartbeat } from './heartbeat.js';
import { currentOwner, DB_NOW, redactUrl, resolveLiveness, type Liveness } from './liveness.js';
import { closeWriters, MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
import { PgDatabase, type Query } from './pg-database.js';
import { migratePg } from './pg-schema.js';
import { listRunsSql } from './queries.js';
import { fromSqlNumber, RUN_COLUMNS, toExperiment, toRun, type ExperimentRow, type RunRow } from './rows.js';
import type { Store, StoreOptions } from './store.js';
import { PgStudyStore } from './study-pg.js';
import type { StudyStore } from './study-types.js';
import type {
  BeginRun,
  ExperimentRecord,
  FinalAndLowest,
  MetricPoint,
  MetricRow,
  RunFilter,
  RunFinish,
  RunKey,
  RunRecord,
  RunStart,
} from './types.js';

const now = () => new Date().toISOString();

/** `?` placeholders (the SQL shared with SQLite) as PostgreSQL's $1, $2, ... */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const CLOCK = `SELECT ${DB_NOW.postgres} AS now, extract(epoch from pg_postmaster_start_time())::float8 AS started`;
const RUN_BY_ID = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = $1`;

/**
 * The results store on a PostgreSQL server, shared by workers on many machines. Decisions are
 * transactions under row locks (runs by key, trials by SELECT ... FOR UPDATE SKIP LOCKED, rung
 * decisions under a per-study advisory lock); heartbeats and leases use the server's clock; every
 * operation retries while the server cannot be reached (pg-database.ts).
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly filesBeside = DEFAULT_DB_PATH;
  private readonly writers = new Map<number, MetricsWriter>();
  private readonly keyIds = new Map<string, number>();
  private studyStore: PgStudyStore | null = null;
  readonly heartbeat: Heartbeat;

  private constructor(
    readonly location: string,
    readonly db: PgDatabase,
    private readonly writerDefaults: MetricsWriterOptions,
    readonly liveness: Liveness,
    url: string,
  ) {
    this.heartbeat = new Heartbeat({ kind: 'postgres', url }, liveness.heartbeatSeconds * 1000);
  }

  /** Connects (retrying while the server starts) and migrates, unless readonly. */
  static async open(url: string, options: StoreOptions = {}): Promise<PgStore> {
    const liveness = resolveLiveness(options.liveness);
    const db = new PgDatabase(url, { retryMs: options.retryMs, onRetry: options.onRetry });
    const location = redactUrl(url);
    try {
      await db.retry(async () => {
        const client = await db.pool.connect();
        try {
          await migratePg(client, options.readonly ?? false, location);
        } finally {
          client.release();
        }
      });
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
    return new PgStore(location, db, { flushRows: options.flushRows, flushMs: options.flushMs }, liveness, url);
  }

  // ---- experiments ----

  async findOrCreateExperiment(name: string, identity: unknown): Promise<ExperimentRecord> {
    const hash = configHash(identity);
    await this.db.query(
      `INSERT INTO experiments (name, config_hash, config_json, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name, config_hash) DO NOTHING`,
      [name, hash, stableStringify(identity), now()],
    );
    const [row] = await this.db.query<ExperimentRow>('SELECT * FROM experiments WHERE name = $1 AND config_hash = $2', [name, hash]);
    return toExperiment(row);
  }

  async listExperiments(): Promise<(ExperimentRecord & { runs: number })[]> {
    const rows = await this.db.query<ExperimentRow & { runs: number }>(
      `SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS runs FROM experiments e ORDER BY e.name, e.id`,
    );
    return rows.map((r) => ({ ...toExperiment(r), runs: r.runs }));
  }

  // ---- runs ----

  async getRun(id: number): Promise<RunRecord | null> {
    const [row] = await this.db.query<RunRow>(RUN_BY_ID, [id]);
    return row ? toRun(row) : null;
  }

  async findRun(key: RunKey): Promise<RunRecord | null> {
    const [row] = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${KEY_WHERE}`, keyParams(key));
    return row ? toRun(row) : null;
  }

  async beginRun(start: RunStart): Promise<BeginRun> {
    const begun = await this.db.tx(async (q): Promise<BeginRun> => {
      const check = await this.lossCheck(q);
      // the key's row, locked; a row another transaction holds is being decided elsewhere right now
      const [locked] = await q<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${KEY_WHERE} FOR UPDATE OF r SKIP LOCKED`, keyParams(start));
      const existing = locked ? toRun(locked) : null;
      const d = decideExisting(existing, check);
      if (d.action === 'skip') return { action: 'skip', run: existing! };
      if (d.action === 'busy') return { action: 'busy', run: existing! };
      if (d.action === 'gave-up') {
        await q(`UPDATE runs SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3`, [d.reason, now(), existing!.id]);
        return { action: 'gave-up', run: await this.runIn(q, existing!.id) };
      }
      if (existing) await q('DELETE FROM runs WHERE id = $1', [existing.id]);
      const owner = currentOwner();
      const [inserted] = await q<{ id: number }>(
        `INSERT INTO runs (experiment_id, optimiser, preset, seed, config_hash, config_json, backend, versions_json,
           status, pid, host, started_at, heartbeat_at, lease_s, retries)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, $10, $11, ${DB_NOW.postgres}, $12, $13)
         ON CONFLICT (experiment_id, optimiser, preset, seed, config_hash) DO NOTHING RETURNING id`,
        [
          start.experimentId, start.optimiser, start.preset ?? '', start.seed, configHash(start.config), stableStringify(start.config),
          start.backend, JSON.stringify(start.versions), owner.pid, owner.host, now(), this.liveness.staleSeconds,
          d.action === 'redo' ? d.retries : 0,
        ],
      );
      if (!inserted) {
        // another process holds the row (locked, or inserted since our look): it is theirs
        const [row] = await q<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${KEY_WHERE}`, keyParams(start));
        return { action: 'busy', run: toRun(row) };
      }
      return { action: 'start', run: await this.runIn(q, inserted.id), redone: existing !== null, previousStatus: existing?.status ?? null };
    });
    if (begun.action === 'start') {
      this.dropWriter(begun.run.id);
      this.heartbeat.hold({ kind: 'run', id: begun.run.id });
    }
    return begun;
  }

  async finishRun(runId: number, finish: RunFinish): Promise<RunRecord> {
    await this.writers.get(runId)?.close();
    const rows = await this.db.query<{ id: number }>(
      `UPDATE runs SET status = $1, error = $2, finished_at = $3, wall_seconds = $4, eval_seconds = $5, steps = $6 WHERE id = $7 RETURNING id`,
      [finish.status, finish.error ?? null, now(), finish.wallSeconds ?? null, finish.evalSeconds ?? null, finish.steps ?? null, runId],
    );
    this.heartbeat.release({ kind: 'run', id: runId });
    if (rows.length !== 1) throw new Error(`cannot finish run ${runId}: no such run in ${this.location}`);
    return (await this.getRun(runId))!;
  }

  async markInterrupted(runId: number, reason = 'interrupted', partial: Omit<RunFinish, 'status' | 'error'> = {}): Promise<boolean> {
    try {
      await this.writers.get(runId)?.close();
    } catch {
      // the server may be what failed; still try to record the interruption
    }
    this.heartbeat.release({ kind: 'run', id: runId });
    return this.interrupt(this.db.query, runId, reason, partial);
  }

  async markOrphanedRunsInterrupted(): Promise<RunRecord[]> {
    const ids = await this.db.tx(async (q) => {
      const check = await this.lossCheck(q);
      const candidates = await q<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE r.status = 'running' AND r.heartbeat_at IS NOT NULL AND greatest(r.heartbeat_at, $1) + r.lease_s < $2
         FOR UPDATE OF r SKIP LOCKED`,
        [check.clock.serverStart, check.clock.now],
      );
      const out: number[] = [];
      for (const row of candidates) {
        const why = lostReason(toRun(row), check, true);
        if (why !== null && (await this.interrupt(q, row.id, why))) out.push(row.id);
      }
      return out;
    });
    const runs = await Promise.all(ids.map((id) => this.getRun(id)));
    return runs.filter((r): r is RunRecord => r !== null);
  }

  async deleteRun(runId: number): Promise<void> {
    this.dropWriter(runId);
    this.heartbeat.release({ kind: 'run', id: runId });
    await this.db.query('DELETE FROM runs WHERE id = $1', [runId]);
  }

  watchRun(runId: number): AbortSignal {
    return this.heartbeat.signal({ kind: 'run', id: runId }) ?? new AbortController().signal;
  }

  // ---- metrics ----

  async metricsWriter(runId: number, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
    const open = this.writers.get(runId);
    if (open) return open;
    if (!(await this.getRun(runId))) throw new Error(`cannot write metrics of run ${runId}: no such run in ${this.location}`);
    const again = this.writers.get(runId);
    if (again) return again;
    const writer = new MetricsWriter(runId, (id, rows) => this.insertRows(id, rows), { ...this.writerDefaults, ...options }, () => this.writers.delete(runId));
    this.writers.set(runId, writer);
    return writer;
  }

  /**
   * One batch as one statement: an upsert keyed by (run, key, step), so that a batch sent again after
   * a lost answer writes nothing twice. Rows of a run deleted meanwhile (taken over by another
   * worker after this one went silent) are dropped with it.
   */
  private async insertRows(runId: number, rows: readonly MetricRow[]): Promise<void> {
    const last = new Map<string, MetricRow>(); // within a batch the last value of a (key, step) wins
    for (const r of rows) last.set(`${r.key}\u0000${r.step}`, r);
    const unique = [...last.values()];
    const ids = await this.keyIdsFor(unique.map((r) => r.key));
    try {
      await this.db.query(
        `INSERT INTO metrics (run_id, key_id, step, epoch, wall_time, wall_time_excl_eval, value)
         SELECT $1, * FROM unnest($2::int[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
         ON CONFLICT (run_id, key_id, step) DO UPDATE SET epoch = EXCLUDED.epoch, wall_time = EXCLUDED.wall_time,
           wall_time_excl_eval = EXCLUDED.wall_time_excl_eval, value = EXCLUDED.value`,
        [
          runId,
          unique.map((r) => ids.get(r.key)!),
          unique.map((r) => r.step),
          unique.map((r) => r.epoch),
          unique.map((r) => r.wallTime),
          unique.map((r) => r.wallTimeExclEval),
          unique.map((r) => (Number.isNaN(r.value) ? null : r.value)),
        ],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23503') return; // the run is gone (foreign key): its rows go with it
      throw e;
    }
  }

  private async keyIdsFor(names: readonly string[]): Promise<Map<string, number>> {
    const missing = [...new Set(names)].filter((n) => !this.keyIds.has(n));
    if (missing.length) {
      await this.db.query('INSERT INTO metric_keys (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING', [missing]);
      for (const r of await this.db.query<{ id: number; name: string }>('SELECT id, name FROM metric_keys WHERE name = ANY($1::text[])', [missing])) {
        this.keyIds.set(r.name, r.id);
      }
    }
    return this.keyIds;
  }

  // ---- studies (sfn tune) ----

  studies(): StudyStore {
    return (this.studyStore ??= new PgStudyStore(this.db, this.heartbeat, this.liveness, (q) => this.lossCheck(q)));
  }

  // ---- readers ----

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const { sql, params } = listRunsSql(filter);
    return (await this.db.query<RunRow>(numbered(sql), params)).map(toRun);
  }

  async metricKeys(runId: number): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(
      'SELECT DISTINCT k.name FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE m.run_id = $1 ORDER BY k.name',
      [runId],
    );
    return rows.map((r) => r.name);
  }

  async metricSeries(runId: number, key: string): Promise<MetricPoint[]> {
    return (await this.metricSeriesForRuns([runId], key)).get(runId)!;
  }

  async metricSeriesForRuns(runIds: readonly number[], key: string): Promise<Map<number, MetricPoint[]>> {
    const out = new Map<number, MetricPoint[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return out;
    const rows = await this.db.query<{ run_id: number; step: number; epoch: number; wall_time: number; wall_time_excl_eval: number; value: number | null }>(
      `SELECT m.run_id, m.step, m.epoch, m.wall_time, m.wall_time_excl_eval, m.value
       FROM metrics m JOIN metric_keys k ON k.id = m.key_id
       WHERE k.name = $1 AND m.run_id = ANY($2::int[]) ORDER BY m.run_id, m.step`,
      [key, [...runIds]],
    );
    for (const r of rows) {
      out.get(r.run_id)!.push({ step: r.step, epoch: r.epoch, wallTime: r.wall_time, wallTimeExclEval: r.wall_time_excl_eval, value: fromSqlNumber(r.value) });
    }
    return out;
  }

  async finalAndLowest(runId: number, key: string): Promise<FinalAndLowest> {
    const [last] = await this.db.query<{ step: number; value: number | null }>(
      `SELECT m.step, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id WHERE m.run_id = $1 AND k.name = $2 ORDER BY m.step DESC LIMIT 1`,
      [runId, key],
    );
    // lowest finite value (non-finite losses mark divergence, not progress); earliest step on ties
    const [low] = await this.db.query<{ step: number; value: number }>(
      `SELECT m.step, m.value FROM metrics m JOIN metric_keys k ON k.id = m.key_id
       WHERE m.run_id = $1 AND k.name = $2 AND m.value BETWEEN $3 AND $4 ORDER BY m.value, m.step LIMIT 1`,
      [runId, key, -Number.MAX_VALUE, Number.MAX_VALUE],
    );
    return {
      final: last ? { step: last.step, value: fromSqlNumber(last.value) } : null,
      lowest: low ? { step: low.step, value: low.value } : null,
    };
  }

  async close(): Promise<void> {
    const first = await closeWriters(this.writers.values());
    await this.heartbeat.close();
    await this.db.close();
    if (first) throw first;
  }

  // ---- helpers ----

  /** The server's clock (now and its start, epoch seconds) and this worker's policy. */
  async lossCheck(q: Query): Promise<LossCheck> {
    const [c] = await q<{ now: number; started: number }>(CLOCK);
    return { clock: { now: c.now, serverStart: c.started }, liveness: this.liveness, checkProcess: false };
  }

  private async runIn(q: Query, id: number): Promise<RunRecord> {
    const [row] = await q<RunRow>(RUN_BY_ID, [id]);
    return toRun(row);
  }

  private async interrupt(q: Query, runId: number, reason: string, partial: Omit<RunFinish, 'status' | 'error'> = {}): Promise<boolean> {
    const rows = await q(
      `UPDATE runs SET status = 'interrupted', error = $1, finished_at = $2, wall_seconds = $3, eval_seconds = $4, steps = $5
       WHERE id = $6 AND status = 'running' RETURNING id`,
      [reason, now(), partial.wallSeconds ?? null, partial.evalSeconds ?? null, partial.steps ?? null, runId],
    );
    return rows.length === 1;
  }

  private dropWriter(runId: number): void {
    const w = this.writers.get(runId);
    if (w) {
      this.writers.delete(runId);
      void w.close().catch(() => {});
    }
  }
}

const KEY_WHERE = 'r.experiment_id = $1 AND r.optimiser = $2 AND r.preset = $3 AND r.seed = $4 AND r.config_hash = $5';

function keyParams(key: RunKey): unknown[] {
  return [key.experimentId, key.optimiser, key.preset ?? '', key.seed, configHash(key.config)];
}
