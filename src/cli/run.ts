/**
 * `sfn run <config>`: trains every (optimiser, seed) pair of an experiment file, records every step
 * in the results store, and prints a summary per optimiser. Reruns skip finished runs and redo
 * unfinished ones; Ctrl-C stops after the current step and marks that run interrupted.
 */
import type { Command } from 'commander';
import { formatBackend, initBackend } from '../backend/index.js';
import { applyOverrides, experimentIdentity, loadExperiment, refuseUnimplemented, type ExperimentSpec } from '../config/index.js';
import { loadDataset } from '../data/load.js';
import { resolveMirror } from '../data/locations.js';
import { DEFAULT_DB_PATH } from '../store/open.js';
import { Store } from '../store/store.js';
import { KEPT_STATUSES } from '../store/types.js';
import { runInProcess, type ExecutorEvent } from '../train/executor.js';
import { experimentJobs, jobKey } from '../train/job.js';
import { ProgressDisplay, describeOutcome, runName } from '../train/progress-display.js';
import { openRunLog } from '../train/run-log.js';
import { formatSummary, summarise } from '../train/summary.js';
import { runInWorkers } from '../train/worker-pool.js';
import { tunedEntry } from '../tune/from-study.js';

interface RunOptions {
  optimiser?: string[];
  seeds?: string;
  epochs?: string;
  maxSteps?: string;
  workers: string;
  db: string;
  backend?: string;
  dataDir?: string;
  mirror?: string;
  json?: boolean;
  fromStudy?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('train every (optimiser, seed) pair of an experiment file, recording every step in the results database')
    .argument('<config>', 'experiment YAML, e.g. configs/uci-energy.yaml')
    .option('--optimiser <names...>', 'only these entries: names (sgd) or labels with a preset (ours:code); space- or comma-separated')
    .option('--seeds <n|list>', 'a count n (seeds 0..n-1) or a comma-separated list of seeds, instead of the file\'s')
    .option('--epochs <n>', 'epochs per run, instead of the file\'s')
    .option('--max-steps <n>', 'stop each run after n optimiser steps')
    .option('--workers <n>', 'runs in parallel, each in its own worker process', '1')
    .option('--db <file>', 'results database', DEFAULT_DB_PATH)
    .option('--backend <name>', 'wasm, cpu, tensorflow or tensorflow-gpu (default: $SFN_BACKEND, else wasm)')
    .option('--data-dir <dir>', 'dataset cache folder (default: $SFN_DATA_DIR, else ./datasets)')
    .option('--mirror <url-or-dir>', 'fetch dataset files from <mirror>/<dataset>/<file> (default: $SFN_DATA_MIRROR)')
    .option('--json', 'also print the summary as one JSON object on the last line of stdout')
    .option('--from-study <study>', 'run the best configuration of this `sfn tune` study (preset tuned) instead of the file\'s optimisers')
    .action(async (config: string, opts: RunOptions, cmd: Command) => {
      await runCommand(config, opts, cmd);
    });
}

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
    optimisers: opts.optimiser?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
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

async function runCommand(configFile: string, opts: RunOptions, cmd: Command): Promise<void> {
  const flags = parseFlags(opts, cmd);
  const spec = await experimentFor(configFile, flags, opts.fromStudy === undefined ? null : { db: opts.db, study: opts.fromStudy });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);

  const backend = await initBackend(opts.backend, { tapeGradients: false }); // the engine never uses tf.grad
  say(formatBackend());
  const data = { dataDir: opts.dataDir, mirror: opts.mirror };
  const dataset = await loadDataset(spec.dataset, data);
  say(`dataset: ${spec.dataset} (${dataset.train.rows} train, ${dataset.val.rows} validation, ${dataset.test.rows} test rows)`);

  const store = Store.open(opts.db);
  const { logger, file: logFile } = openRunLog(opts.db, spec.name);
  try {
    const experiment = store.findOrCreateExperiment(spec.name, experimentIdentity(spec));
    const jobs = experimentJobs(spec, experiment.id);
    const pending = jobs.filter((j) => {
      const run = store.findRun(jobKey(j));
      return !(run && KEPT_STATUSES.includes(run.status));
    });
    const workers = Math.max(1, Math.min(flags.workers, pending.length));
    say(`experiment ${spec.name} (id ${experiment.id}) in ${opts.db}: ${jobs.length} runs, ${jobs.length - pending.length} already done, ${pending.length} to run${pending.length ? ` on ${workers} worker${workers > 1 ? 's' : ''}` : ''}`);
    say(`log: ${logFile}`);
    logger.info({ event: 'start', config: configFile, experiment: spec.name, experimentId: experiment.id, backend, db: opts.db, runs: jobs.length, pending: pending.length, workers }, 'sfn run');

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

    const display = new ProgressDisplay(workers, Boolean(process.stdout.isTTY));
    const emit = (e: ExecutorEvent) => {
      display.handle(e);
      logEvent(logger, e, warn);
    };
    try {
      if (workers <= 1) {
        await runInProcess(pending, { store, backend, dataset: async () => dataset }, abort.signal, emit);
      } else {
        await runInWorkers(pending, { workers, db: opts.db, backend: opts.backend ?? backend, data }, abort.signal, emit);
        for (const r of store.markOrphanedRunsInterrupted()) warn(`run ${r.id} (${r.optimiser} seed ${r.seed}) was left unfinished by its worker; marked interrupted`);
      }
    } finally {
      display.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }

    const summary = summarise(store, jobs);
    say(formatSummary(summary));
    logger.info({ event: 'summary', interrupted: abort.signal.aborted, summary }, 'summary');
    if (abort.signal.aborted) {
      say('interrupted: finished runs are kept; rerun the same command to do the rest');
      process.exitCode = 130;
    }
    if (opts.json) {
      say(JSON.stringify({ experiment: spec.name, experimentId: experiment.id, config: configFile, db: opts.db, backend, interrupted: abort.signal.aborted, optimisers: summary }));
    }
  } finally {
    logger.flush();
    store.close();
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
