/**
 * Worker process entry of `sfn run --workers n` (forked with tsx's loader). Runs the jobs the
 * parent sends, one at a time, with its own backend, datasets and store connection. SIGINT,
 * SIGTERM or losing the parent stop the current run after its step (marked interrupted) and exit.
 */
import { initBackend } from '../backend/index.js';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { openStore, type Store } from '../store/store.js';
import { trialHooks } from '../tune/trial-hooks.js';
import { runJob, type RunJob } from './job.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const abort = new AbortController();
let store: Store | null = null;
let backend = '';
let busy = false;
const datasets = new Map<string, Promise<Dataset>>();
let dataOptions: { dataDir?: string; mirror?: string } = {};

/** resolves once the message is handed to the IPC channel (so exiting afterwards does not lose it) */
function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) resolve();
    else process.send!(m, undefined, {}, () => resolve());
  });
}

function exit(code = 0): void {
  const closing = store?.close() ?? Promise.resolve();
  store = null;
  void closing.catch(() => {}).finally(() => process.exit(code));
}

function stop(): void {
  abort.abort();
  if (!busy) exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('disconnect', stop);

function dataset(name: RunJob['dataset']): Promise<Dataset> {
  let d = datasets.get(name);
  if (!d) {
    d = loadDataset(name, dataOptions);
    datasets.set(name, d);
  }
  return d;
}

process.on('message', (raw) => {
  const m = raw as ToWorker;
  void handle(m).catch(async (e: unknown) => {
    await send({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
    exit(1);
  });
});

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init':
      dataOptions = m.data;
      backend = await initBackend(m.backend, { tapeGradients: false });
      store = await openStore(m.db, { liveness: m.liveness });
      await send({ type: 'ready', backend });
      return;
    case 'job': {
      if (!store) throw new Error('worker got a job before init');
      if (abort.signal.aborted) return exit(0);
      busy = true;
      const outcome = await runJob(m.job, {
        store,
        backend,
        dataset,
        signal: abort.signal,
        hooks: (job) => (job.trial ? trialHooks(store!.studies(), job.trial) : null),
        onStart: (run, redone) => void send({ type: 'start', runId: run.id, redone }),
        onProgress: (progress) => void send({ type: 'progress', progress }),
      });
      busy = false;
      await send({ type: 'done', outcome });
      if (abort.signal.aborted) exit(0);
      return;
    }
    case 'finish':
      exit(0);
  }
}
