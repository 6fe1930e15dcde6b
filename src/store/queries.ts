import type Database from 'better-sqlite3';
import { fromSqlNumber, RUN_COLUMNS, toRun, type RunRow } from './rows.js';
import type { FinalAndLowest, MetricPoint, RunFilter, RunRecord } from './types.js';

/** Read-only queries the report and the run summary use (SQLite; pg-store.ts has PostgreSQL's). */

function asList<T>(v: T | T[] | undefined): T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** The SQL (with ? placeholders) and parameters of listRuns, shared by the SQLite and PostgreSQL stores. */
export function listRunsSql(filter: RunFilter = {}): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, values: unknown[] | undefined) => {
    if (values === undefined) return;
    if (values.length === 0) {
      where.push('1 = 0'); // an empty filter list matches nothing
      return;
    }
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  add('e.name', asList(filter.experiment));
  add('r.experiment_id', asList(filter.experimentId));
  add('r.optimiser', asList(filter.optimiser));
  add('r.preset', asList(filter.preset));
  add('r.status', asList(filter.status));
  add('r.seed', asList(filter.seed));
  const sql =
    `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY e.name, r.experiment_id, r.optimiser, r.preset, r.seed, r.id';
  return { sql, params };
}

export function listRuns(db: Database.Database, filter: RunFilter = {}): RunRecord[] {
  const { sql, params } = listRunsSql(filter);
  return (db.prepare(sql).all(...params) as RunRow[]).map(toRun);
}

export function metricKeys(db: Database.Database, runId: number): string[] {
  const rows = db
    .prepare(
      `SELECT DISTINCT k.name FROM metrics m JOIN metric_keys k ON k.id = m.key_id
       WHERE m.run_id = ? ORDER BY k.name`,
    )
    .all(runId) as { name: string }[];
  return rows.map((r) => r.name);
}

interface PointRow {
  step: number;
  epoch: number;
  wall_time: number;
  wall_time_excl_eval: number;
  value: number | null;
}

/** A run's values of one key in step order (empty if never recorded). */
export function metricSeries(db: Database.Database, runId: number, key: string): MetricPoint[] {
  const rows = db
    .prepare(
      `SELECT m.step, m.epoch, m.wall_time, m.wall_time_excl_eval, m.value
       FROM metrics m JOIN metric_keys k ON k.id = m.key_id
       WHERE m.run_id = ? AND k.name = ? ORDER BY m.step`,
    )
    .all(runId, key) as PointRow[];
  return rows.map((r) => ({
    step: r.step,
    epoch: r.epoch,
    wallTime: r.wall_time,
    wallTimeExclEval: r.wall_time_excl_eval,
    value: fromSqlNumber(r.value),
  }));
}

/** One key's series for many runs in one query (for per-step medians over seeds). */
export function metricSeriesForRuns(db: Database.Database, runIds: readonly number[], key: string): Map<number, MetricPoint[]> {
  const out = new Map<number, MetricPoint[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return out;
  const stmt = db.prepare(
    `SELECT m.run_id, m.step, m.epoch, m.wall_time, m.wall_time_excl_eval, m.value
     FROM metrics m JOIN metric_keys k ON k.id = m.key_id
     WHERE k.name = ? AND m.run_id IN (${runIds.map(() => '?').join(', ')}) ORDER BY m.run_id, m.step`,
  );
  for (const r of stmt.iterate(key, ...runIds) as Iterable<PointRow & { run_id: number }>) {
    out.get(r.run_id)!.push({
      step: r.step,
      epoch: r.epoch,
      wallTime: r.wall_time,
      wallTimeExclEval: r.wall_time_excl_eval,
      value: fromSqlNumber(r.value),
    });
  }
  return out;
}

const MAX_FINITE = Number.MAX_VALUE;

export function finalAndLowest(db: Database.Database, runId: number, key: string): FinalAndLowest {
  const keyRow = db.prepare('SELECT id FROM metric_keys WHERE name = ?').get(key) as { id: number } | undefined;
  if (!keyRow) return { final: null, lowest: null };
  const last = db
    .prepare('SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step DESC LIMIT 1')
    .get(runId, keyRow.id) as { step: number; value: number | null } | undefined;
  // lowest finite value (non-finite losses mark divergence, not progress); earliest step on ties
  const low = db
    .prepare(
      `SELECT step, value FROM metrics WHERE run_id = ? AND key_id = ? AND value BETWEEN ? AND ?
       ORDER BY value, step LIMIT 1`,
    )
    .get(runId, keyRow.id, -MAX_FINITE, MAX_FINITE) as { step: number; value: number } | undefined;
  return {
    final: last ? { step: last.step, value: fromSqlNumber(last.value) } : null,
    lowest: low ? { step: low.step, value: low.value } : null,
  };
}
