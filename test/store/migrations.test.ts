import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, type Migration } from '../../src/store/schema.js';
import { migratePg, PG_MIGRATIONS } from '../../src/store/pg-schema.js';
import { describePostgres } from './backends.js';

test('migrations run once each, in order, and record user_version', () => {
  const db = new Database(':memory:');
  const ran: number[] = [];
  const v2: Migration = (d) => {
    ran.push(2);
    d.exec('ALTER TABLE runs ADD COLUMN note TEXT');
  };
  const v3: Migration = (d) => {
    ran.push(3);
    d.exec('CREATE INDEX runs_by_note ON runs (note)');
  };
  assert.equal(migrate(db, [MIGRATIONS[0]]), 1);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  // an existing v1 database is brought to v3; a second open changes nothing
  assert.equal(migrate(db, [MIGRATIONS[0], v2, v3]), 3);
  assert.equal(migrate(db, [MIGRATIONS[0], v2, v3]), 3);
  assert.deepEqual(ran, [2, 3]);
  assert.equal(db.pragma('user_version', { simple: true }), 3);
  const cols = (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
  assert.ok(cols.includes('note'));
  db.close();
});

test('a failing migration leaves the database at the previous version', () => {
  const db = new Database(':memory:');
  const bad: Migration = (d) => {
    d.exec('CREATE TABLE half_done (x)');
    throw new Error('boom');
  };
  assert.throws(() => migrate(db, [MIGRATIONS[0], bad]), /boom/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  const t = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get();
  assert.equal(t, undefined);
  db.close();
});

describePostgres('PostgreSQL schema', (ctx) => {
  test('migrations run once each, under a lock, and a failing one leaves the previous version', async () => {
    const target = await ctx.target();
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: target });
    await client.connect();
    try {
      const v2 = 'ALTER TABLE runs ADD COLUMN note text';
      assert.equal(await migratePg(client, false, 'test', [PG_MIGRATIONS[0]]), 1);
      // several workers at once: each migration runs once
      const others = await Promise.all([0, 1, 2].map(async () => {
        const c = new pg.Client({ connectionString: target });
        await c.connect();
        try {
          return await migratePg(c, false, 'test', [PG_MIGRATIONS[0], v2]);
        } finally {
          await c.end();
        }
      }));
      assert.deepEqual(others, [2, 2, 2]);
      const cols = (await client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' AND table_schema = current_schema()`)).rows.map((r) => r.column_name);
      assert.ok(cols.includes('note'));
      await assert.rejects(migratePg(client, false, 'test', [PG_MIGRATIONS[0], v2, 'CREATE TABLE half_done (x int); SELECT 1 / 0']), /division by zero/);
      assert.equal((await client.query('SELECT version FROM sfn_schema')).rows[0].version, 2);
      assert.equal((await client.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t, null);
      await assert.rejects(migratePg(client, true, 'test', PG_MIGRATIONS), /schema version 2, this sfn uses 3.*open it once for writing/);
    } finally {
      await client.end();
    }
  });

  test('the PostgreSQL schema has the tables, columns, nullability, keys and indexes of the SQLite one', async () => {
    const target = await ctx.target();
    const store = await ctx.open(target);
    await store.close();
    const sqlite = new Database(':memory:');
    migrate(sqlite);
    const lite = new Map<string, string>();
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    for (const t of tables) {
      for (const c of sqlite.prepare(`PRAGMA table_info(${t})`).all() as { name: string; type: string; notnull: number; pk: number }[]) {
        lite.set(`${t}.${c.name}`, `${typeClass(c.type)} ${c.notnull || c.pk ? 'not null' : 'null'} pk${c.pk}`);
      }
    }
    const liteIndexes = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((i) => i.name);
    sqlite.close();

    const columns = await ctx.exec(target, `
      SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
        COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints tc
          JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
          WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_name = c.table_name AND tc.table_schema = c.table_schema AND k.column_name = c.column_name), 0) AS pk
      FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name <> 'sfn_schema'`);
    const pgCols = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, `${typeClass(String(c.data_type))} ${c.is_nullable === 'NO' ? 'not null' : 'null'} pk${c.pk}`]));
    assert.deepEqual(new Map([...pgCols].sort()), new Map([...lite].sort()));
    const pgIndexes = (await ctx.exec(target, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' ORDER BY indexname`)).map((r) => r.indexname);
    assert.deepEqual(pgIndexes, liteIndexes);
  });
});

/** integer, real or text, whatever each database calls them. */
function typeClass(type: string): string {
  const t = type.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/real|double|float/.test(t)) return 'real';
  if (/text|char/.test(t)) return 'text';
  return t;
}
