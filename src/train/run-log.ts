import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';

/**
 * The JSON log of one `sfn run` invocation: <folder of the database>/logs/<experiment>-<time>.jsonl
 * (runs/logs/... for the default database), written synchronously so a kill loses nothing.
 */
export function openRunLog(dbPath: string, experiment: string): { logger: Logger; file: string } {
  const folder = path.join(dbPath === ':memory:' ? 'runs' : path.dirname(dbPath), 'logs');
  mkdirSync(folder, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(folder, `${experiment}-${stamp}-${process.pid}.jsonl`);
  const logger = pino({ base: { pid: process.pid } }, pino.destination({ dest: file, sync: true, mkdir: true }));
  return { logger, file };
}
