import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { DEFAULT_DB_PATH } from '../store/defaults.js';

/**
 * Where the logs of runs recorded in `dbPath` go: runs/logs/ for the default database (and an
 * in-memory one), otherwise a folder beside the database named after it (/tmp/a.db: /tmp/a-logs/),
 * never a generic logs/ in whatever folder holds the database.
 */
export function runLogFolder(dbPath: string): string {
  if (dbPath === ':memory:' || path.resolve(dbPath) === path.resolve(DEFAULT_DB_PATH)) return path.join(path.dirname(DEFAULT_DB_PATH), 'logs');
  const stem = path.basename(dbPath).replace(/\.[^.]*$/, '') || path.basename(dbPath);
  return path.join(path.dirname(dbPath), `${stem}-logs`);
}

/**
 * The JSON log of one `sfn run` invocation, <runLogFolder>/<experiment>-<time>-<pid>.jsonl, written
 * synchronously so a kill loses nothing.
 */
export function openRunLog(dbPath: string, experiment: string): { logger: Logger; file: string } {
  const folder = runLogFolder(dbPath);
  mkdirSync(folder, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(folder, `${experiment}-${stamp}-${process.pid}.jsonl`);
  const logger = pino({ base: { pid: process.pid } }, pino.destination({ dest: file, sync: true, mkdir: true }));
  return { logger, file };
}
