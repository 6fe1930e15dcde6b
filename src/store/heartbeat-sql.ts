/**
 * One heartbeat in SQL: the database's clock written into every held row that is still what this
 * process holds (a running run still recorded as this process's; a running trial at the held
 * attempt). Rows not found are returned.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Held } from './heartbeat.js';
import { currentOwner, DB_NOW } from './liveness.js';

export interface Beater {
  beat(items: readonly Held[]): Promise<Held[]>;
  close(): Promise<void>;
}

export function beatSqliteOnce(db: Database.Database, items: readonly Held[]): Held[] {
  const me = currentOwner();
  const run = db.prepare(`UPDATE runs SET heartbeat_at = ${DB_NOW.sqlite} WHERE id = ? AND status = 'running' AND pid = ? AND host = ?`);
  const trial = db.prepare(`UPDATE trials SET heartbeat_at = ${DB_NOW.sqlite} WHERE id = ? AND attempt = ? AND state = 'running'`);
  return db.transaction(() =>
    items.filter((item) => (item.kind === 'run' ? run.run(item.id, me.pid, me.host) : trial.run(item.id, item.attempt ?? -1)).changes === 0),
  ).immediate();
}

export function beatSqlite(db: Database.Database): Beater {
  return {
    beat: async (items) => beatSqliteOnce(db, items),
    close: async () => void db.close(),
  };
}

export function beatPostgres(client: pg.Client): Beater {
  return {
    async beat(items) {
      const me = currentOwner();
      const runs = items.filter((i) => i.kind === 'run');
      const trials = items.filter((i) => i.kind === 'trial');
      const found = new Set<string>();
      if (runs.length) {
        const r = await client.query<{ id: number }>(
          `UPDATE runs SET heartbeat_at = ${DB_NOW.postgres} WHERE id = ANY($1::int[]) AND status = 'running' AND pid = $2 AND host = $3 RETURNING id`,
          [runs.map((i) => i.id), me.pid, me.host],
        );
        for (const row of r.rows) found.add(`run:${row.id}`);
      }
      if (trials.length) {
        const r = await client.query<{ id: number }>(
          `UPDATE trials t SET heartbeat_at = ${DB_NOW.postgres}
           FROM unnest($1::int[], $2::int[]) AS h(id, attempt)
           WHERE t.id = h.id AND t.attempt = h.attempt AND t.state = 'running' RETURNING t.id`,
          [trials.map((i) => i.id), trials.map((i) => i.attempt ?? -1)],
        );
        for (const row of r.rows) found.add(`trial:${row.id}`);
      }
      return items.filter((i) => !found.has(`${i.kind}:${i.id}`));
    },
    close: () => client.end(),
  };
}
