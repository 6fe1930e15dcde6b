/**
 * Runs a list of jobs and reports what happens, either in this process or in worker processes
 * (see worker-pool.ts). Both stop taking new jobs once `signal` aborts; the job in progress ends
 * after its current step and is marked interrupted in the store.
 */
import type { Dataset } from '../data/types.js';
import type { Store } from '../store/store.js';
import { runJob, type JobOutcome, type JobProgress, type RunJob } from './job.js';

export type ExecutorEvent =
  | { type: 'ready'; worker: number; backend: string }
  | { type: 'start'; worker: number; job: RunJob; runId: number; redone: boolean }
  | { type: 'progress'; worker: number; job: RunJob; progress: JobProgress }
  | { type: 'done'; worker: number; job: RunJob; outcome: JobOutcome }
  /** something went wrong outside a run (a worker crashed, a job could not be set up) */
  | { type: 'error'; worker: number; job?: RunJob; message: string };

export type Emit = (e: ExecutorEvent) => void;

export interface InProcessContext {
  store: Store;
  backend: string;
  dataset: (name: RunJob['dataset']) => Promise<Dataset>;
}

export async function runInProcess(jobs: RunJob[], ctx: InProcessContext, signal: AbortSignal, emit: Emit): Promise<void> {
  emit({ type: 'ready', worker: 0, backend: ctx.backend });
  for (const job of jobs) {
    if (signal.aborted) break;
    const outcome = await runJob(job, {
      ...ctx,
      signal,
      onStart: (run, redone) => emit({ type: 'start', worker: 0, job, runId: run.id, redone }),
      onProgress: (progress) => emit({ type: 'progress', worker: 0, job, progress }),
    });
    emit({ type: 'done', worker: 0, job, outcome });
  }
}
