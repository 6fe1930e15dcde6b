import { Worker, type WorkerOptions } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread running `entry`, a module beside the caller (its compiled .js under dist/, or its
 * .ts source in tests and development, for which the thread registers tsx before loading it), with
 * `onMessage` listening to it. The thread never keeps the process alive: it is unref'd after the
 * listener is added, since adding a 'message' listener refs the thread's port again.
 */
export function startWorkerThread<M>(entry: URL, onMessage: (m: M) => void, options: WorkerOptions = {}): Worker {
  let thread: Worker;
  if (entry.pathname.endsWith('.ts')) {
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    thread = new Worker(`import(${tsx}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true });
  } else {
    thread = new Worker(fileURLToPath(entry), options);
  }
  thread.on('message', onMessage);
  thread.unref();
  return thread;
}
