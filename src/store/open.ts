import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate, SCHEMA_VERSION } from './schema.js';

import { DEFAULT_DB_PATH } from './defaults.js';

export { DEFAULT_DB_PATH };

export interface OpenOptions {
  /** open for reading only: the file must exist and already have the current schema */
  readonly?: boolean;
  /** how long a write waits for another process's transaction, in ms (default 30 s) */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating folders and file as needed) and migrates a results database. WAL mode lets the
 * report read while workers write; synchronous=NORMAL keeps every committed transaction across a
 * process kill (only a power loss can drop the last ones).
 */
export function openDatabase(path: string = DEFAULT_DB_PATH, options: OpenOptions = {}): Database.Database {
  const memory = path === ':memory:';
  if (options.readonly && !memory && !existsSync(path)) {
    throw new Error(`no results database at ${path}: run \`sfn run\` first, or point --db at an existing file`);
  }
  if (!options.readonly && !memory) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 30_000 });
  try {
    if (options.readonly) {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new Error(
          `results database ${path} has schema version ${version}, this sfn uses ${SCHEMA_VERSION}: ` +
            'open it once for writing (e.g. with `sfn run`) to migrate it',
        );
      }
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    }
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
