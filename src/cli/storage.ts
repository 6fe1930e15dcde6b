/**
 * Where a command's results go: `--storage <url-or-file>`, else `--db <file>`, else $SFN_STORAGE,
 * else runs/sfn.db. A postgresql:// URL names a server that workers on many machines share; anything
 * else is an SQLite file. Also the liveness flags (heartbeat, lease, retries) of `sfn run` and
 * `sfn tune`. Light: no database driver is loaded here.
 */
import type { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../store/defaults.js';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_MAX_RETRIES, isServerUrl, redactUrl, type Liveness } from '../store/liveness.js';
import { integerOption, numberOption } from './options.js';

export interface StorageFlags {
  db: string;
  storage?: string;
}

export interface LivenessFlags {
  heartbeat?: number;
  heartbeatGrace?: number;
  maxRetries?: number;
}

/** Declares --db, --storage and (for commands that run work) the liveness flags. */
export function storageOptions(cmd: Command, withLiveness: boolean): Command {
  cmd
    .option('--db <file>', 'results database (an SQLite file)', DEFAULT_DB_PATH)
    .option('--storage <url-or-file>', 'where results go: postgresql://user@host:port/db for a server shared by many machines, or an SQLite file (default: $SFN_STORAGE, else --db)');
  if (withLiveness) {
    cmd
      .option('--heartbeat <seconds>', `seconds between heartbeats of the work in progress (default ${DEFAULT_HEARTBEAT_SECONDS})`, numberOption('--heartbeat', 0, false))
      .option('--heartbeat-grace <seconds>', 'silence after which another worker takes the work over (default twice --heartbeat)', numberOption('--heartbeat-grace', 0, false))
      .option('--max-retries <n>', `times work lost to a silent worker is restarted before it is marked failed (default ${DEFAULT_MAX_RETRIES})`, integerOption('--max-retries', 0));
  }
  return cmd;
}

/** The storage target of this invocation; exits with status 2 when --db and --storage are both given. */
export function resolveStorage(opts: StorageFlags, cmd: Command): string {
  const dbGiven = cmd.getOptionValueSource('db') !== 'default' && cmd.getOptionValueSource('db') !== undefined;
  if (opts.storage !== undefined && dbGiven) {
    cmd.error('error: --db and --storage both name where results go; give one of them', { exitCode: 2 });
  }
  if (opts.storage !== undefined) {
    if (opts.storage.trim() === '') cmd.error('error: --storage: got an empty value; allowed: a postgresql:// URL or an SQLite file', { exitCode: 2 });
    return opts.storage;
  }
  if (dbGiven) return opts.db;
  const env = process.env.SFN_STORAGE;
  return env !== undefined && env.trim() !== '' ? env : opts.db;
}

export function livenessOf(flags: LivenessFlags): Partial<Liveness> {
  const out: Partial<Liveness> = {};
  if (flags.heartbeat !== undefined) out.heartbeatSeconds = flags.heartbeat;
  if (flags.heartbeatGrace !== undefined) out.staleSeconds = flags.heartbeatGrace;
  if (flags.maxRetries !== undefined) out.maxRetries = flags.maxRetries;
  return out;
}

/** The target as messages show it (a server's password hidden). */
export function displayStorage(target: string): string {
  return isServerUrl(target) ? redactUrl(target) : target;
}

/** The target with --db or --storage, for the commands sfn suggests ('' for the default file). */
export function storageFlag(target: string): string {
  if (target === DEFAULT_DB_PATH && process.env.SFN_STORAGE === undefined) return '';
  return isServerUrl(target) ? ` --storage ${redactUrl(target)}` : ` --db ${target}`;
}
