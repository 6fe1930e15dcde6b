import { hostname } from 'node:os';

/** Who is running a run: this process on this machine. */
export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

/**
 * Whether the process that marked a run 'running' still exists. A run owned by this very process
 * is not "alive elsewhere" (asking to start it again means it is no longer being run). On another
 * machine we cannot tell, so it counts as alive: never steal a run that may be in progress.
 */
export function isOwnerAlive(pid: number | null, host: string | null): boolean {
  if (pid === null) return false;
  const me = currentOwner();
  if (host !== null && host !== me.host) return true;
  if (pid === me.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
