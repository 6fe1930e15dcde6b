/**
 * Runs jobs in `workers` forked processes (worker.ts, compiled or through tsx's loader), handing each
 * idle worker the next job. On abort no new job is handed out and the workers are sent SIGTERM:
 * each stops its run after the current step, marks it interrupted and exits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DataOptions } from '../data/types.js';
import type { Emit } from './executor.js';
import type { RunJob } from './job.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface PoolOptions {
  workers: number;
  db: string;
  backend?: string;
  data: Pick<DataOptions, 'dataDir' | 'mirror'>;
}

/** worker.js beside this file when sfn runs compiled (dist/), worker.ts through tsx when it runs from its sources */
const WORKER_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url));
const FROM_SOURCES = WORKER_ENTRY.endsWith('.ts');

export async function runInWorkers(jobs: RunJob[], o: PoolOptions, signal: AbortSignal, emit: Emit): Promise<void> {
  const queue = [...jobs];
  const execArgv = FROM_SOURCES ? ['--import', import.meta.resolve('tsx')] : [];
  const count = Math.max(1, Math.min(o.workers, jobs.length));
  const children: ChildProcess[] = [];
  const onAbort = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  signal.addEventListener('abort', onAbort, { once: true });

  const one = (worker: number) =>
    new Promise<void>((resolve) => {
      const child = fork(WORKER_ENTRY, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let current: RunJob | undefined;
      let fatal = false;
      const post = (m: ToWorker) => {
        if (child.connected) child.send(m);
      };
      const next = () => {
        const job = signal.aborted ? undefined : queue.shift();
        current = job;
        post(job ? { type: 'job', job } : { type: 'finish' });
      };
      child.on('message', (raw) => {
        const m = raw as FromWorker;
        switch (m.type) {
          case 'ready':
            emit({ type: 'ready', worker, backend: m.backend });
            next();
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
            next();
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
      post({ type: 'init', db: o.db, backend: o.backend, data: o.data });
    });

  try {
    await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
