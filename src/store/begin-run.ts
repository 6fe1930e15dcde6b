/**
 * What beginRun does with the row already holding a run's key, the same rule for every store: keep
 * finished runs, leave live ones to their worker, redo the rest; a run lost to a silent worker is
 * redone at most maxRetries times (counted in the row), then marked failed.
 */
import { currentOwner, isStale, processEnded, silence, type DbClock, type Liveness } from './liveness.js';
import { KEPT_STATUSES, type RunRecord } from './types.js';

export type ExistingRun =
  | { action: 'new' }
  | { action: 'skip' }
  | { action: 'busy' }
  /** delete it and start afresh, carrying `retries` */
  | { action: 'redo'; retries: number }
  | { action: 'gave-up'; reason: string };

export interface LossCheck {
  clock: DbClock;
  liveness: Liveness;
  /** SQLite: an owner process that ended on this machine is lost at once */
  checkProcess: boolean;
}

/** Whether a running run's worker is gone: silent past its lease, or (SQLite) its process ended here. */
export function lostReason(run: Pick<RunRecord, 'pid' | 'host' | 'heartbeatAt' | 'leaseSeconds'>, check: LossCheck, selfEnded: boolean): string | null {
  if (isStale(run.heartbeatAt, run.leaseSeconds, check.clock)) {
    return `its worker (process ${run.pid ?? '?'} on ${run.host ?? '?'}) went silent (${silence(run.heartbeatAt, check.clock)}, lease ${run.leaseSeconds} s)`;
  }
  if (check.checkProcess && processEnded(run.pid, run.host, selfEnded)) return `process ${run.pid ?? '?'} on ${run.host ?? '?'} ended without finishing the run`;
  return null;
}

export function decideExisting(existing: RunRecord | null, check: LossCheck): ExistingRun {
  if (!existing) return { action: 'new' };
  if (KEPT_STATUSES.includes(existing.status)) return { action: 'skip' };
  if (existing.status !== 'running') return { action: 'redo', retries: 0 };
  const me = currentOwner();
  if (existing.pid === me.pid && existing.host === me.host) return { action: 'redo', retries: existing.retries };
  const lost = lostReason(existing, check, true);
  if (lost === null) return { action: 'busy' };
  const retries = existing.retries + 1;
  if (retries > check.liveness.maxRetries) {
    return { action: 'gave-up', reason: `lost ${retries} times (max retries ${check.liveness.maxRetries}), the last time because ${lost}; rerun to try again` };
  }
  return { action: 'redo', retries };
}
