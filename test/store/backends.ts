/**
 * The same behaviour tests against both stores: `describeStores(title, body)` runs `body` once for
 * SQLite (a file in a temporary folder) and once for PostgreSQL (a fresh database on a throw-away
 * server from the machine's binaries, started once per test file on 127.0.0.1, removed at the end).
 * Without PostgreSQL binaries its half skips with one line, unless SFN_REQUIRE_POSTGRES=1 (CI), which
 * makes that a failure.
 */
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBinaries, startLocalPostgres, type LocalPostgres } from '../../scripts/local-postgres.js';
import { openStore, type Store, type StoreKind, type StoreOptions } from '../../src/store/index.js';

export const POSTGRES_MISSING = 'no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine: apt-get install postgresql, or set SFN_PG_BIN';

let server: Promise<LocalPostgres> | null = null;
let databases = 0;
after(async () => {
  if (server) (await server).remove();
});

/** The file's server, started on first use. */
export function localServer(): Promise<LocalPostgres> {
  return (server ??= startLocalPostgres());
}

export interface StoreContext {
  kind: StoreKind;
  /** a fresh, empty storage target (file path or URL), removed when the test file ends */
  target(): Promise<string>;
  /** opens a store on a fresh target (or the given one) */
  open(target?: string, options?: StoreOptions): Promise<Store>;
  /** a statement (? placeholders) straight on the database, e.g. to set up what another worker would have left */
  exec(target: string, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

const folders: string[] = [];
after(() => folders.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sqliteContext(): StoreContext {
  const ctx: StoreContext = {
    kind: 'sqlite',
    async target() {
      const dir = mkdtempSync(join(tmpdir(), 'sfn-store-'));
      folders.push(dir);
      return join(dir, 'sfn.db');
    },
    async open(target, options) {
      return openStore(target ?? (await ctx.target()), options);
    },
    async exec(target, sql, params = []) {
      const db = new Database(target);
      try {
        const st = db.prepare(sql);
        return st.reader ? (st.all(...params) as Record<string, unknown>[]) : (st.run(...params), []);
      } finally {
        db.close();
      }
    },
  };
  return ctx;
}

function postgresContext(): StoreContext {
  const ctx: StoreContext = {
    kind: 'postgres',
    async target() {
      return (await localServer()).createSchema(`sfn_test_${++databases}`);
    },
    async open(target, options) {
      return openStore(target ?? (await ctx.target()), options);
    },
    async exec(target, sql, params = []) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: target });
      await client.connect();
      try {
        let n = 0;
        return (await client.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
      } finally {
        await client.end();
      }
    },
  };
  return ctx;
}

/** Whether PostgreSQL tests can run here; a string is the reason they skip. */
export function postgresSkip(): false | string {
  if (postgresBinaries()) return false;
  return process.env.SFN_REQUIRE_POSTGRES === '1' ? false : POSTGRES_MISSING;
}

/** Fails the PostgreSQL half at once, with the same line, where CI requires it and there are no binaries. */
function requireBinaries(): void {
  if (!postgresBinaries()) throw new Error(`SFN_REQUIRE_POSTGRES=1, but ${POSTGRES_MISSING}`);
}

export function describeStores(title: string, body: (ctx: StoreContext) => void, kinds: readonly StoreKind[] = ['sqlite', 'postgres']): void {
  for (const kind of kinds) {
    if (kind === 'sqlite') {
      describe(`${title} [sqlite]`, () => body(sqliteContext()));
      continue;
    }
    const skip = postgresSkip();
    describe(`${title} [postgres]`, { skip }, () => {
      if (!postgresBinaries()) {
        test('PostgreSQL binaries are installed', requireBinaries);
        return;
      }
      body(postgresContext());
    });
  }
}

/** Only the PostgreSQL half (fault tests and the like). */
export function describePostgres(title: string, body: (ctx: StoreContext) => void): void {
  describeStores(title, body, ['postgres']);
}
