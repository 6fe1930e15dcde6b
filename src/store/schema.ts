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

/** `sfn tune`: studies, their trials and the results trials recorded at ASHA's rungs. */
const v2: Migration = (db) => {
  db.exec(`
    CREATE TABLE studies (
      id            INTEGER PRIMARY KEY,
      name          TEXT NOT NULL UNIQUE,
      experiment_id INTEGER NOT NULL REFERENCES experiments(id),  -- where the trials' runs are
      optimiser     TEXT NOT NULL,
      settings_hash TEXT NOT NULL,
      settings_json TEXT NOT NULL,    -- space, scheduler, samples, seeds, metric: see StudySettings
      created_at    TEXT NOT NULL
    );

    CREATE TABLE trials (
      id          INTEGER PRIMARY KEY,
      study_id    INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      number      INTEGER NOT NULL,   -- 0-based position in the sampled sequence
      config_json TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'stopped', 'completed', 'failed')),
      attempt     INTEGER NOT NULL DEFAULT 0,  -- claims so far; a restart is a new attempt with a new run
      run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      owner_pid   INTEGER,            -- process that claimed the running attempt
      owner_host  TEXT,
      claimed_at  TEXT,
      finished_at TEXT,
      reason      TEXT,
      last_time   REAL,               -- time attribute, metric and step at the last decision
      last_value  REAL,
      last_step   INTEGER,
      UNIQUE (study_id, number)
    );
    CREATE INDEX trials_by_state ON trials (study_id, state, number);

    -- one result per (trial, rung) of the trial's current attempt
    CREATE TABLE rung_results (
      trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
      rung        INTEGER NOT NULL,
      study_id    INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
      attempt     INTEGER NOT NULL,
      time        REAL NOT NULL,
      step        INTEGER NOT NULL,
      wall_time   REAL NOT NULL,
      value       REAL NOT NULL,
      reward      REAL NOT NULL,
      cutoff      REAL,               -- NULL: the rung held no other result
      decision    TEXT NOT NULL CHECK (decision IN ('continue', 'stop', 'complete')),
      recorded_at TEXT NOT NULL,
      PRIMARY KEY (trial_id, rung)
    ) WITHOUT ROWID;
    CREATE INDEX rung_results_by_rung ON rung_results (study_id, rung);
  `);
};

/**
 * Many workers (Optuna's RDB storage): heartbeats written with the database's clock (epoch seconds)
 * into running runs and trials, each with its worker's lease (the silence after which it counts as
 * lost); how often each was lost to a silent worker; every trial attempt's history.
 */
const v3: Migration = (db) => {
  db.exec(`
    ALTER TABLE runs ADD COLUMN heartbeat_at REAL;
    ALTER TABLE runs ADD COLUMN lease_s REAL;
    ALTER TABLE runs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE trials ADD COLUMN heartbeat_at REAL;
    ALTER TABLE trials ADD COLUMN lease_s REAL;
    ALTER TABLE trials ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE trials ADD COLUMN claim_token TEXT;
    CREATE INDEX runs_running ON runs (status, heartbeat_at);

    -- every attempt of every trial: who ran it, with which run, how it ended
    CREATE TABLE trial_attempts (
      trial_id   INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
      attempt    INTEGER NOT NULL,
      run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
      owner_pid  INTEGER,
      owner_host TEXT,
      claimed_at TEXT NOT NULL,
      ended_at   TEXT,
      outcome    TEXT CHECK (outcome IN ('completed', 'stopped', 'failed', 'requeued', 'lost')),
      reason     TEXT,
      PRIMARY KEY (trial_id, attempt)
    ) WITHOUT ROWID;
  `);
};

export const MIGRATIONS: readonly Migration[] = [v1, v2, v3];
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to the latest schema; each migration runs in its own IMMEDIATE transaction
 * that reads the version again under the write lock, so processes opening a new file at once (two
 * `sfn tune` workers) apply each migration exactly once instead of racing to create its tables.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  if ((db.pragma('user_version', { simple: true }) as number) === migrations.length) return migrations.length;
  const step = db.transaction((): boolean => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new Error(
        `results database schema version ${current} is newer than this sfn understands (${migrations.length}); ` +
          'upgrade sfn or use another --db file',
      );
    }
    if (current === migrations.length) return false;
    migrations[current](db);
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  while (step.immediate()) {
    // one migration per transaction, until none is left
  }
  return migrations.length;
}
