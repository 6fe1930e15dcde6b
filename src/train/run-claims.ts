/**
 * The jobs of `sfn run` as a source that several processes, on one machine or many, can work through
 * at once: each job is claimed when a worker starts it (the store's beginRun, one transaction under
 * the run key's row lock), so the processes split the runs. A job another process is running
 * ("busy") is offered again every `pollMs` once the others are done: it is finished by then (dropped),
 * or its worker went silent and the store hands it over, or it is still running (kept waiting). The
 * source ends when every job has an outcome, so that the summary covers every machine's runs.
 */
import type { JobSource } from './executor.js';
import type { JobOutcome, RunJob } from './job.js';
import type { Store } from '../store/store.js';
import { jobKey } from './job.js';
import { sleep } from '../util/sleep.js';

export interface RunClaims {
  source: JobSource;
  /** how a job ended (the executor's 'done' events), or null when its worker failed without an outcome */
  done(job: RunJob, outcome: JobOutcome | null): void;
}

export function runClaims(store: Store, jobs: readonly RunJob[], o: { pollMs: number; signal: AbortSignal }): RunClaims {
  const queue = [...jobs];
  const busy: RunJob[] = [];
  const offered = new Set<RunJob>(); // busy jobs handed out again and not yet back
  const source: JobSource = async () => {
    for (;;) {
      if (o.signal.aborted) return undefined;
      const next = queue.shift();
      if (next) return next;
      if (busy.length === 0 && offered.size === 0) return undefined;
      // still running elsewhere? a run that ended there (any outcome) is not this invocation's to redo
      for (let i = busy.length - 1; i >= 0; i--) {
        const run = await store.findRun(jobKey(busy[i]));
        if (run && run.status !== 'running') busy.splice(i, 1);
      }
      if (busy.length === 0) {
        if (offered.size === 0) return undefined;
        await sleep(o.pollMs, o.signal); // another worker of this process may get one back
        continue;
      }
      await sleep(o.pollMs, o.signal);
      const again = busy.shift();
      if (again) {
        offered.add(again);
        return again;
      }
    }
  };
  return {
    source,
    done(job, outcome) {
      offered.delete(job);
      if (outcome?.kind === 'busy') busy.push(job);
    },
  };
}
