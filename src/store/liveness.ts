/**
 * When active work (a running run or trial) counts as lost, as Optuna's RDB storage decides it: the
 * process working on it writes a heartbeat with the database's clock every `heartbeatSeconds`
 * (src/store/heartbeat.ts, from a thread of its own so that a long synchronous training step cannot
 * silence it); work whose last heartbeat is older than its lease (the worker's `staleSeconds`,
 * default twice the interval, stored with the work when it is claimed) is lost. Before claiming, a
 * worker fails lost work and requeues it, at most `maxRetries` times.
 *
 * A server's clock restarts nobody's heartbeat: after a PostgreSQL restart every lease runs again
 * from the server's start, so that workers that could not write while it was down are not judged
 * before they could. On SQLite (one machine by construction) a worker whose process has ended on this
 * machine is lost at once, without waiting for its lease (the pid check sfn used before heartbeats).
 */
import { hostname } from 'node:os';

export interface Liveness {
  heartbeatSeconds: number;
  staleSeconds: number;
  maxRetries: number;
}

export const DEFAULT_HEARTBEAT_SECONDS = 10;
export const DEFAULT_MAX_RETRIES = 2;

export function resolveLiveness(given: Partial<Liveness> = {}): Liveness {
  const heartbeatSeconds = given.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const staleSeconds = given.staleSeconds ?? 2 * heartbeatSeconds;
  const maxRetries = given.maxRetries ?? DEFAULT_MAX_RETRIES;
  const problems: string[] = [];
  if (!(heartbeatSeconds > 0) || !Number.isFinite(heartbeatSeconds)) problems.push(`heartbeat interval must be > 0 seconds (got ${heartbeatSeconds})`);
  if (!(staleSeconds > heartbeatSeconds) || !Number.isFinite(staleSeconds)) {
    problems.push(`the silence after which work counts as lost (${staleSeconds} s) must exceed the heartbeat interval (${heartbeatSeconds} s)`);
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) problems.push(`max retries must be an integer >= 0 (got ${maxRetries})`);
  if (problems.length) throw new Error(problems.join('; '));
  return { heartbeatSeconds, staleSeconds, maxRetries };
}

/** Whether a storage target names a PostgreSQL server rather than an SQLite file. */
export function isServerUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

/** Who is working on something: this process on this machine. */
export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/**
 * SQLite only: whether the owner is another process on this machine that has ended. This process
 * itself counts as ended for runs (asking to start its own run again means it is no longer being
 * run) but not for trials (a pool claims trials for its workers while others run).
 */
export function processEnded(pid: number | null, host: string | null, selfEnded: boolean): boolean {
  if (pid === null) return true;
  const me = currentOwner();
  if (host !== null && host !== me.host) return false;
  if (pid === me.pid) return selfEnded;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    // EPERM: exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** The database's clock as epoch seconds, in each dialect's SQL. */
export const DB_NOW = {
  sqlite: "((julianday('now') - 2440587.5) * 86400.0)",
  postgres: 'extract(epoch from clock_timestamp())::float8',
} as const;

/** The database's clock at one moment: now, and when the server started (0 for SQLite), in epoch seconds. */
export interface DbClock {
  now: number;
  serverStart: number;
}

/** Whether work with this heartbeat and lease has been silent too long (leases run again from a server restart). */
export function isStale(heartbeatAt: number | null, leaseSeconds: number | null, clock: DbClock): boolean {
  if (heartbeatAt === null || leaseSeconds === null) return false;
  return Math.max(heartbeatAt, clock.serverStart) + leaseSeconds < clock.now;
}

/** How long work has been silent, for messages. */
export function silence(heartbeatAt: number | null, clock: DbClock): string {
  return heartbeatAt === null ? 'no heartbeat' : `no heartbeat for ${(clock.now - heartbeatAt).toFixed(1)} s`;
}
