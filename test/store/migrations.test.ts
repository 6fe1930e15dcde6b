import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate, type Migration } from '../../src/store/schema.js';

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
