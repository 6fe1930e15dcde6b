/** The work of `sfn run` (declared in run.ts): load the experiment and data, run the jobs, summarise. */
import type { Command } from 'commander';
import { formatBackend, initBackend } from '../backend/index.js';
import { applyOverrides, experimentIdentity, loadExperiment, refuseUnimplemented, resolveConfigArgument, type ExperimentSpec } from '../config/index.js';
import { loadDataset } from '../data/load.js';
import { resolveMirror } from '../data/locations.js';
import { FetchProgressPrinter } from './fetch-progress.js';
import { openStore } from '../store/store.js';
import { KEPT_STATUSES } from '../store/types.js';
import { runInProcess, type ExecutorEvent } from '../train/executor.js';
import { experimentJobs, jobKey } from '../train/job.js';
import { ProgressDisplay, describeOutcome, runName } from '../train/progress-display.js';
import { openRunLog } from '../train/run-log.js';
import { formatSummary, summarise } from '../train/summary.js';
import { runInWorkers } from '../train/worker-pool.js';
import { runClaims } from '../train/run-claims.js';
import { plural } from '../util/plural.js';
import { tunedEntry } from '../tune/from-study.js';
import type { RunOptions } from './run.js';
import { displayStorage, livenessOf, resolveStorage } from './storage.js';

interface Flags {
  seeds?: number | number[];
  epochs?: number;
  maxSteps?: number;
  workers: number;
  optimisers?: string[];
}

function parseFlags(opts: RunOptions, cmd: Command): Flags {
  const problems: string[] = [];
  const int = (flag: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
      problems.push(`${flag}: got '${raw}'; allowed: an integer >= ${min}`);
      return undefined;
    }
    return n;
  };
  let seeds: number | number[] | undefined;
  if (opts.seeds !== undefined) {
    if (opts.seeds.includes(',')) {
      const parts = opts.seeds.split(',').map((s) => s.trim());
      if (parts.some((s) => !/^\d+$/.test(s))) problems.push(`--seeds: got '${opts.seeds}'; allowed: a count n >= 1 or a list like 0,3,7`);
      else seeds = parts.map(Number);
    } else {
      seeds = int('--seeds', opts.seeds, 1);
    }
  }
  const flags: Flags = {
    seeds,
    epochs: int('--epochs', opts.epochs, 1),
    maxSteps: int('--max-steps', opts.maxSteps, 1),
    workers: int('--workers', opts.workers, 1) ?? 1,
    optimisers: opts.optimiser,
  };
  try {
    resolveMirror(opts.mirror);
  } catch (e) {
    problems.push(`--mirror: ${(e as Error).message}`);
  }
  if (problems.length) cmd.error(`error: ${problems.join('\n       ')}`, { exitCode: 2 });
  return flags;
}

/** The experiment as this invocation runs it (with a study's best entry as its optimisers); throws the config module's ConfigError. */
async function experimentFor(configFile: string, flags: Flags, fromStudy: { db: string; study: string } | null): Promise<ExperimentSpec> {
  let spec = loadExperiment(configFile);
  if (fromStudy) spec = { ...spec, optimisers: [await tunedEntry(fromStudy.db, fromStudy.study, spec)] };
  spec = applyOverrides(spec, { optimisers: flags.optimisers, seeds: flags.seeds, epochs: flags.epochs });
  if (flags.maxSteps !== undefined) spec = { ...spec, maxSteps: flags.maxSteps };
  refuseUnimplemented(spec);
  return spec;
}

export async function runCommand(configArgument: string | undefined, opts: RunOptions, cmd: Command): Promise<void> {
  const flags = parseFlags(opts, cmd);
  const target = resolveStorage(opts, cmd);
  const where = displayStorage(target);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const configFile = resolveConfigArgument(configArgument, say);
  const spec = await experimentFor(configFile, flags, opts.fromStudy === undefined ? null : { db: target, study: opts.fromStudy });

  const backend = await initBackend(opts.backend, { tapeGradients: false }); // the engine never uses tf.grad
  say(formatBackend());
  const data = { dataDir: opts.dataDir, mirror: opts.mirror };
  const fetchProgress = new FetchProgressPrinter({ quiet: true });
  let builtIn = false;
  const dataset = await loadDataset(spec.dataset, {
    ...data,
    onProgress: (p) => {
      builtIn ||= p.phase === 'built-in';
      fetchProgress.update(p);
    },
  }).finally(() => fetchProgress.stop());
  say(`dataset: ${spec.dataset} (${dataset.train.rows} train, ${dataset.val.rows} validation, ${dataset.test.rows} test rows${builtIn ? '; the copy built into sfn' : ''})`);

  let display: ProgressDisplay | null = null;
  // until the display exists warnings go to stderr; then through it, so that on a terminal none lands on a bar
  const warn = (line: string) => (display ? display.warn(`warning: ${line}`) : process.stderr.write(`warning: ${line}\n`));
  const liveness = livenessOf(opts);
  const store = await openStore(target, { liveness, onRetry: warn });
  const { logger, file: logFile } = openRunLog(store.filesBeside, spec.name);
  try {
    const experiment = await store.findOrCreateExperiment(spec.name, experimentIdentity(spec));
    const jobs = experimentJobs(spec, experiment.id);
    const pending: typeof jobs = [];
    for (const j of jobs) {
      const run = await store.findRun(jobKey(j));
      if (!(run && KEPT_STATUSES.includes(run.status))) pending.push(j);
    }
    const workers = Math.max(1, Math.min(flags.workers, pending.length));
    say(`experiment ${spec.name} (id ${experiment.id}) in ${where}: ${plural(jobs.length, 'run')}, ${jobs.length - pending.length} already done, ${pending.length} to run${pending.length ? ` on ${plural(workers, 'worker')}` : ''}`);
    say(`log: ${logFile}`);
    logger.info({ event: 'start', config: configFile, experiment: spec.name, experimentId: experiment.id, backend, db: where, runs: jobs.length, pending: pending.length, workers }, 'sfn run');

    display = new ProgressDisplay({ runs: pending.length, workers, tty: Boolean(process.stdout.isTTY) });
    const abort = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(130);
      warn(`${sig}: stopping after the current step (again to quit at once); rerun the same command to finish`);
      logger.warn({ event: 'signal', signal: sig }, 'stopping');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    // runs another process (here or on another machine) holds are offered again until they end
    const claims = runClaims(store, pending, { pollMs: Math.min(5, store.liveness.heartbeatSeconds) * 1000, signal: abort.signal });
    const emit = (e: ExecutorEvent) => {
      if (e.type === 'done') claims.done(e.job, e.outcome);
      else if (e.type === 'error' && e.job) claims.done(e.job, null);
      display!.handle(e);
      logEvent(logger, e, warn);
    };
    try {
      if (workers <= 1) {
        await runInProcess(claims.source, { store, backend, dataset: async () => dataset }, abort.signal, emit);
      } else {
        await runInWorkers(claims.source, { workers, db: target, liveness, backend: opts.backend ?? backend, data }, abort.signal, emit);
        for (const r of await store.markOrphanedRunsInterrupted()) warn(`run ${r.id} (${r.optimiser} seed ${r.seed}) was left unfinished by its worker; marked interrupted`);
      }
    } finally {
      display.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }

    const summary = await summarise(store, jobs);
    say(formatSummary(summary));
    logger.info({ event: 'summary', interrupted: abort.signal.aborted, summary }, 'summary');
    if (abort.signal.aborted) {
      say('interrupted: finished runs are kept; rerun the same command to do the rest');
      process.exitCode = 130;
    }
    if (opts.json) {
      say(JSON.stringify({ experiment: spec.name, experimentId: experiment.id, config: configFile, db: where, backend, interrupted: abort.signal.aborted, optimisers: summary }));
    }
  } finally {
    logger.flush();
    await store.close();
  }
}

function logEvent(logger: ReturnType<typeof openRunLog>['logger'], e: ExecutorEvent, warn: (line: string) => void): void {
  switch (e.type) {
    case 'ready':
      logger.info({ event: 'worker-ready', worker: e.worker, backend: e.backend });
      return;
    case 'start':
      logger.info({ event: 'run-start', worker: e.worker, run: e.runId, optimiser: e.job.optimiser.label, seed: e.job.seed, redone: e.redone });
      return;
    case 'progress':
      return;
    case 'done': {
      const o = e.outcome;
      logger.info({ event: 'run-end', worker: e.worker, outcome: o.kind, run: o.run.id, status: o.run.status, optimiser: e.job.optimiser.label, seed: e.job.seed, steps: o.run.steps, wallSeconds: o.run.wallSeconds, evalSeconds: o.run.evalSeconds, error: o.run.error });
      if (o.kind === 'failed') warn(`${runName(e.job)}: ${describeOutcome(o)}`);
      return;
    }
    case 'error':
      logger.error({ event: 'error', worker: e.worker, optimiser: e.job?.optimiser.label, seed: e.job?.seed, message: e.message });
      warn(`${e.job ? runName(e.job) : `worker ${e.worker + 1}`}: ${e.message}`);
      return;
  }
}
