import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order. PRAGMA user_version holds how many have run, so a database
 * made by an older sfn is brought up to date on open. Append new migrations; never edit old ones.
 */
export type Migration = (db: Database.Database) => void;

const v1: Migration = (db) => {
  db.exec(`
    CREATE TABLE experiments (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      config_hash TEXT NOT NULL,
      config_json TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      UNIQUE (name, config_hash)
    );

    CREATE TABLE runs (
      id            INTEGER PRIMARY KEY,
      experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
      optimiser     TEXT NOT NULL,
      preset        TEXT NOT NULL DEFAULT '',  -- '' = no preset (NULLs would defeat UNIQUE)
      seed          INTEGER NOT NULL,
      config_hash   TEXT NOT NULL,
      config_json   TEXT NOT NULL,
      backend       TEXT NOT NULL,
      versions_json TEXT NOT NULL,
      status        TEXT NOT NULL
                    CHECK (status IN ('running', 'completed', 'diverged', 'failed', 'interrupted')),
      error         TEXT,
      pid           INTEGER,                   -- process running it, to spot runs left by a killed one
      host          TEXT,
      started_at    TEXT NOT NULL,
      finished_at   TEXT,
      wall_seconds  REAL,
      eval_seconds  REAL,
      steps         INTEGER,
      UNIQUE (experiment_id, optimiser, preset, seed, config_hash)
    );
    CREATE INDEX runs_by_optimiser ON runs (optimiser, status);
    CREATE INDEX runs_by_status ON runs (status);

    -- metric names are stored once; metrics rows refer to them by id
    CREATE TABLE metric_keys (
      id   INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE
    );

    -- one value per (run, key, step), clustered so that a run's series of one key is one range scan
    CREATE TABLE metrics (
      run_id              INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      key_id              INTEGER NOT NULL REFERENCES metric_keys(id),
      step                INTEGER NOT NULL,
      epoch               REAL NOT NULL,
      wall_time           REAL NOT NULL,
      wall_time_excl_eval REAL NOT NULL,
      value               REAL,                -- NULL = NaN (SQLite cannot store NaN)
      PRIMARY KEY (run_id, key_id, step)
    ) WITHOUT ROWID;
  `);
};

export const MIGRATIONS: readonly Migration[] = [v1];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to the latest schema; each migration runs in its own transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `results database schema version ${current} is newer than this sfn understands (${migrations.length}); ` +
        'upgrade sfn or use another --db file',
    );
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      migrations[v](db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return migrations.length;
}
