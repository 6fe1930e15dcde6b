/**
 * Runs a study's trials on this machine: whenever a worker is free, claim the next waiting trial
 * from the store and train it as a run job (in this process, or in worker processes as `sfn run`
 * does); each attempt reports every measured step to the study and the store decides. Attempts this
 * process claimed but saw no end of (a worker died, or the study was stopped before its job started)
 * go back to waiting. Several `sfn tune` processes, on one machine or many, may run one study at
 * once: they share nothing but the database, and each ends when no trial is waiting or running.
 */
import type { Dataset, DataOptions } from '../data/types.js';
import type { Liveness } from '../store/liveness.js';
import type { Store } from '../store/store.js';
import type { StudyRecord, StudyStore } from '../store/study-types.js';
import { runInProcess, type Emit, type ExecutorEvent, type JobSource } from '../train/executor.js';
import type { RunJob } from '../train/job.js';
import { runInWorkers } from '../train/worker-pool.js';
import { trialJob, type TrialSpec } from './study-definition.js';
import { trialHooks } from './trial-hooks.js';
import { sleep } from '../util/sleep.js';

export interface StudyRunOptions {
  store: Store;
  study: StudyRecord;
  spec: TrialSpec;
  dataset: Dataset;
  workers: number;
  /** the storage target, for worker processes */
  db: string;
  liveness?: Partial<Liveness>;
  backend: string;
  data: Pick<DataOptions, 'dataDir' | 'mirror'>;
  signal: AbortSignal;
  emit: Emit;
}

/** How many times the study is swept for waiting trials (a trial requeued after its worker died is picked up by the next sweep). */
const SWEEPS = 3;

export async function runStudy(o: StudyRunOptions): Promise<void> {
  const studies: StudyStore = o.store.studies();
  const outstanding = new Map<number, RunJob>(); // trial id -> the attempt this process claimed
  // while other workers (here or on other machines) run trials, wait: one may be lost to a silent
  // worker and come back to waiting (a claim fails lost trials first), or ASHA may end them
  const pollMs = Math.min(5, o.store.liveness.heartbeatSeconds) * 1000;
  const source: JobSource = async () => {
    for (;;) {
      if (o.signal.aborted) return undefined;
      const trial = await studies.claimTrial(o.study.id);
      if (trial) {
        const job = trialJob(o.spec, o.study, trial, o.dataset.train.rows);
        outstanding.set(trial.id, job);
        return job;
      }
      if ((await studies.studyProgress(o.study.id)).counts.running === 0) return undefined;
      await sleep(pollMs, o.signal);
    }
  };
  const emit = (e: ExecutorEvent) => {
    if (e.type === 'done' && e.job.trial) outstanding.delete(e.job.trial.trialId);
    o.emit(e);
  };

  for (let sweep = 0; sweep < SWEEPS && !o.signal.aborted; sweep++) {
    const waiting = (await studies.studyProgress(o.study.id)).counts.waiting;
    if (waiting === 0) break;
    if (o.workers <= 1) {
      const hooks = (job: RunJob) => (job.trial ? trialHooks(studies, job.trial) : null);
      await runInProcess(source, { store: o.store, backend: o.backend, dataset: async () => o.dataset, hooks }, o.signal, emit);
    } else {
      await runInWorkers(source, { workers: Math.min(o.workers, waiting), db: o.db, liveness: o.liveness, backend: o.backend, data: o.data }, o.signal, emit);
    }
    for (const job of outstanding.values()) {
      const t = job.trial!;
      await studies.requeueTrial(t.trialId, t.attempt, `attempt ${t.attempt} ended with its worker before finishing; it restarts`);
    }
    outstanding.clear();
  }
}
