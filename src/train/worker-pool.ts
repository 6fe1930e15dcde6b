/**
 * Runs jobs in `workers` forked processes (worker.ts, compiled or through tsx's loader), handing each
 * idle worker the next job. On abort no new job is handed out and the workers are sent SIGTERM:
 * each stops its run after the current step, marks it interrupted and exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DataOptions } from '../data/types.js';
import type { Liveness } from '../store/liveness.js';
import { jobQueue, type Emit, type JobSource } from './executor.js';
import type { RunJob } from './job.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface PoolOptions {
  workers: number;
  /** the storage target: an SQLite file or a postgresql:// URL */
  db: string;
  liveness?: Partial<Liveness>;
  backend?: string;
  data: Pick<DataOptions, 'dataDir' | 'mirror'>;
}

/** worker.js beside this file when sfn runs compiled (dist/), worker.ts through tsx when it runs from its sources */
const WORKER_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));
const FROM_SOURCES = WORKER_ENTRY.endsWith('.ts');

/**
 * The workers' environment: with as many worker processes as cores, evaluation's helper thread
 * (eval-helper.ts) would only compete with the other runs for the cores, so it is off unless the
 * user set SFN_EVAL_THREADS.
 */
function workerEnv(workers: number): NodeJS.ProcessEnv {
  if (process.env.SFN_EVAL_THREADS !== undefined || workers < availableParallelism()) return process.env;
  return { ...process.env, SFN_EVAL_THREADS: '1' };
}

/** Runs the jobs (a list, or a source asked whenever a worker is free) in `o.workers` processes (fewer for a shorter list). */
export async function runInWorkers(jobs: RunJob[] | JobSource, o: PoolOptions, signal: AbortSignal, emit: Emit): Promise<void> {
  const source = Array.isArray(jobs) ? jobQueue(jobs) : jobs;
  const execArgv = FROM_SOURCES ? ['--import', import.meta.resolve('tsx')] : [];
  const count = Math.max(1, Array.isArray(jobs) ? Math.min(o.workers, jobs.length) : o.workers);
  const children: ChildProcess[] = [];
  const onAbort = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  signal.addEventListener('abort', onAbort, { once: true });

  const one = (worker: number) =>
    new Promise<void>((resolve) => {
      const child = fork(WORKER_ENTRY, [], { execArgv, env: workerEnv(count), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let current: RunJob | undefined;
      let fatal = false;
      const post = (m: ToWorker) => {
        if (child.connected) child.send(m);
      };
      const next = async () => {
        let job: RunJob | undefined;
        try {
          job = signal.aborted ? undefined : await source();
        } catch (e) {
          emit({ type: 'error', worker, message: `cannot get the next job: ${(e as Error).message}` });
        }
        current = job;
        post(job ? { type: 'job', job } : { type: 'finish' });
      };
      child.on('message', (raw) => {
        const m = raw as FromWorker;
        switch (m.type) {
          case 'ready':
            emit({ type: 'ready', worker, backend: m.backend });
            void next();
            break;
          case 'start':
            if (current) emit({ type: 'start', worker, job: current, runId: m.runId, redone: m.redone });
            break;
          case 'progress':
            if (current) emit({ type: 'progress', worker, job: current, progress: m.progress });
            break;
          case 'done':
            if (current) emit({ type: 'done', worker, job: current, outcome: m.outcome });
            current = undefined;
            void next();
            break;
          case 'fatal':
            fatal = true;
            emit({ type: 'error', worker, job: current, message: m.message });
            current = undefined;
            break;
        }
      });
      child.on('exit', (code, sig) => {
        if (current && !fatal) {
          emit({ type: 'error', worker, job: current, message: `worker ${worker + 1} exited (${sig ?? `code ${code}`}) during the run` });
        }
        resolve();
      });
      child.on('error', (e) => emit({ type: 'error', worker, message: `worker ${worker + 1}: ${e.message}` }));
      post({ type: 'init', db: o.db, liveness: o.liveness, backend: o.backend, data: o.data });
    });

  try {
    await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
