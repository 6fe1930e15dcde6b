import type { DataOptions } from '../data/types.js';
import type { Liveness } from '../store/liveness.js';
import type { JobOutcome, JobProgress, RunJob } from './job.js';

/** Messages between `sfn run` and its worker processes (node:child_process IPC, JSON). */
export type ToWorker =
  /** db: the storage target (an SQLite file or a postgresql:// URL) */
  | { type: 'init'; db: string; liveness?: Partial<Liveness>; backend?: string; data: Pick<DataOptions, 'dataDir' | 'mirror'> }
  | { type: 'job'; job: RunJob }
  /** no more jobs: close the store and exit */
  | { type: 'finish' };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'start'; runId: number; redone: boolean }
  | { type: 'progress'; progress: JobProgress }
  | { type: 'done'; outcome: JobOutcome }
  /** the worker cannot go on (backend, data or store failure) and exits */
  | { type: 'fatal'; message: string };
