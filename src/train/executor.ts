/**
 * Runs a list of jobs and reports what happens, either in this process or in worker processes
 * (see worker-pool.ts). Both stop taking new jobs once `signal` aborts; the job in progress ends
 * after its current step and is marked interrupted in the store.
 */
import type { Dataset } from '../data/types.js';
import type { Store } from '../store/store.js';
import { runJob, type JobContext, type JobOutcome, type JobProgress, type RunJob } from './job.js';

export type ExecutorEvent =
  | { type: 'ready'; worker: number; backend: string }
  | { type: 'start'; worker: number; job: RunJob; runId: number; redone: boolean }
  | { type: 'progress'; worker: number; job: RunJob; progress: JobProgress }
  | { type: 'done'; worker: number; job: RunJob; outcome: JobOutcome }
  /** something went wrong outside a run (a worker crashed, a job could not be set up) */
  | { type: 'error'; worker: number; job?: RunJob; message: string };

export type Emit = (e: ExecutorEvent) => void;

/** Jobs handed out one at a time as workers become free (e.g. claimed from a study); undefined: no more. */
export type JobSource = () => Promise<RunJob | undefined>;

/** A list of jobs as a source. */
export function jobQueue(jobs: readonly RunJob[]): JobSource {
  const queue = [...jobs];
  return async () => queue.shift();
}

export interface InProcessContext {
  store: Store;
  backend: string;
  dataset: (name: RunJob['dataset']) => Promise<Dataset>;
  hooks?: JobContext['hooks'];
}

export async function runInProcess(jobs: RunJob[] | JobSource, ctx: InProcessContext, signal: AbortSignal, emit: Emit): Promise<void> {
  emit({ type: 'ready', worker: 0, backend: ctx.backend });
  const next = Array.isArray(jobs) ? jobQueue(jobs) : jobs;
  for (let job = signal.aborted ? undefined : await next(); job; job = signal.aborted ? undefined : await next()) {
    const outcome = await runJob(job, {
      ...ctx,
      signal,
      onStart: (run, redone) => emit({ type: 'start', worker: 0, job, runId: run.id, redone }),
      onProgress: (progress) => emit({ type: 'progress', worker: 0, job, progress }),
    });
    emit({ type: 'done', worker: 0, job, outcome });
  }
}
