/** The work of `sfn tune` (declared in tune.ts): plan or resume the study, run its trials, summarise. */
import type { Command } from 'commander';
import { formatBackend, initBackend } from '../backend/index.js';
import {
  IMPLEMENTED_OPTIMISERS,
  isImplemented,
  isOptimiserName,
  loadExperiment,
  OPTIMISER_NAMES,
  parseDuration,
  resolveConfigArgument,
  type DatasetName,
  type OptimiserName,
} from '../config/index.js';
import { suggestion } from '../config/issues.js';
import { loadSearchSpace } from '../config/search-space-load.js';
import { loadDataset } from '../data/load.js';
import { resolveMirror } from '../data/locations.js';
import { openStore, type Store } from '../store/store.js';
import type { StudyRecord } from '../store/study-types.js';
import type { ExecutorEvent } from '../train/executor.js';
import { openRunLog } from '../train/run-log.js';
import { formatTime, num } from '../tune/format.js';
import { runStudy } from '../tune/run-study.js';
import { planStudy, studySpec, type TrialSpec } from '../tune/study-definition.js';
import { StudyDisplay } from '../tune/study-display.js';
import { bestTrial, formatCounts, topTrialsTable, writeBestEntry } from '../tune/study-summary.js';

import type { TuneCliOptions } from './tune.js';
import { displayStorage, livenessOf, resolveStorage, storageFlag } from './storage.js';

/** The paper's budget per configuration (seconds) for each experiment. */
const PAPER_BUDGETS: Record<DatasetName, number> = { 'uci-energy': 300, 'fashion-mnist': 300, svhn: 2700, cifar10: 7200 };
const PAPER_GRACE_SECONDS = 30;
const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

interface Schedule {
  budget: number;
  grace: number;
}

/** Budget and grace in the time attribute's units, or every problem with them (exit status 2). */
function parseSchedule(opts: TuneCliOptions, dataset: DatasetName, cmd: Command): Schedule {
  const problems: string[] = [];
  const parse = (flag: string, raw: string): number | null => {
    if (opts.timeAttr === 'time') {
      const s = parseDuration(raw);
      if (s === null || !(s > 0)) problems.push(`${flag}: got '${raw}'; allowed: a duration such as 30s, 5m, 2h or a number of seconds > 0`);
      return s;
    }
    const n = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || !(n >= 1)) problems.push(`${flag}: got '${raw}'; allowed: a whole number of ${opts.timeAttr} >= 1 (with --time-attr ${opts.timeAttr})`);
    return n;
  };
  let budget = opts.budget === undefined ? null : parse('--budget', opts.budget);
  if (opts.budget === undefined) {
    if (opts.timeAttr === 'time') budget = PAPER_BUDGETS[dataset];
    else problems.push(`--budget: required with --time-attr ${opts.timeAttr} (a number of ${opts.timeAttr})`);
  }
  let grace = opts.grace === undefined ? null : parse('--grace', opts.grace);
  if (opts.grace === undefined && budget !== null) grace = opts.timeAttr === 'time' ? PAPER_GRACE_SECONDS : Math.max(1, Math.round(budget / 10));
  if (!problems.length && budget !== null && grace !== null && budget < grace) {
    problems.push(
      `--budget ${formatTime(budget, opts.timeAttr)} is below the grace period ${formatTime(grace, opts.timeAttr)}: ` +
        'ASHA never stops a trial before the grace period; raise --budget or lower --grace',
    );
  }
  if (problems.length) cmd.error(`error: ${problems.join('\n       ')}`, { exitCode: 2 });
  return { budget: budget!, grace: grace! };
}

function checkAlgo(algo: string | undefined, cmd: Command): OptimiserName {
  if (algo === undefined) {
    cmd.error("error: --algo: required (the optimiser to tune), or --join <study> to work on an existing study", { exitCode: 2 });
  }
  if (!isOptimiserName(algo)) {
    cmd.error(`error: --algo: '${algo}' is not an optimiser${suggestion(algo, OPTIMISER_NAMES)}; allowed: ${OPTIMISER_NAMES.join(', ')}`, { exitCode: 2 });
  }
  if (!isImplemented(algo)) {
    cmd.error(`error: --algo ${algo}: not implemented yet (implemented: ${IMPLEMENTED_OPTIMISERS.join(', ')})`, { exitCode: 2 });
  }
  return algo;
}

/** The study to work on: planned from the experiment file and flags (created or resumed), or joined by name. */
interface Opened {
  study: StudyRecord;
  spec: TrialSpec;
  how: 'new' | 'resumed' | 'joined';
  /** where the space came from, for the opening line */
  spaceFrom: string;
  configFile: string | null;
}

async function openOrPlan(store: Store, config: string | undefined, opts: TuneCliOptions, cmd: Command, say: (line: string) => void): Promise<Opened> {
  const studies = store.studies();
  if (opts.join !== undefined) {
    const study = await studies.findStudy(opts.join);
    if (!study) {
      const known = (await studies.listStudies()).map((s) => s.name);
      throw new Error(`--join: no study '${opts.join}' in ${store.location}; recorded: ${known.length ? known.join(', ') : 'none (start one with `sfn tune <config> --algo <optimiser>`)'}`);
    }
    return { study, spec: studySpec(study.settings), how: 'joined', spaceFrom: 'the stored space', configFile: null };
  }
  const algo = checkAlgo(opts.algo, cmd);
  const configFile = resolveConfigArgument(config, say);
  const spec = loadExperiment(configFile);
  const schedule = parseSchedule(opts, spec.dataset, cmd);
  const space = loadSearchSpace(configFile, spec, algo);
  const plan = planStudy(spec, space, {
    algo,
    timeAttr: opts.timeAttr,
    budget: schedule.budget,
    grace: schedule.grace,
    reductionFactor: opts.reduction,
    samples: opts.samples,
    seed: opts.seed,
    metric: opts.metric,
    name: opts.study,
  });
  const existing = await studies.findStudy(plan.name);
  const experimentId = existing?.experimentId ?? (await store.findOrCreateExperiment(plan.experimentName, plan.experimentIdentity)).id;
  const opened = await studies.openStudy({ name: plan.name, experimentId, settings: plan.settings, configurations: plan.configurations });
  if (opened.kind === 'mismatch') {
    const lines = opened.differences.map((d) => `  ${d.key}: stored ${JSON.stringify(d.stored)}, asked ${JSON.stringify(d.asked)}`);
    throw new Error(
      `study ${plan.name} exists in ${store.location} with other settings:\n${lines.join('\n')}\n` +
        'give a new study a name of its own with --study <name>, or repeat the stored settings to resume it',
    );
  }
  const spaceFrom = space.origin === 'file' ? `space in ${configFile}` : "paper's space";
  return { study: opened.study, spec, how: opened.kind === 'created' ? 'new' : 'resumed', spaceFrom: `the ${spaceFrom}`, configFile };
}

export async function tuneCommand(config: string | undefined, opts: TuneCliOptions, cmd: Command): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const warn = (line: string) => process.stderr.write(`warning: ${line}\n`);
  if (opts.join !== undefined) {
    const extra = [config !== undefined ? `the config ${config}` : '', opts.algo !== undefined ? '--algo' : '', opts.study !== undefined ? '--study' : ''].filter(Boolean);
    if (extra.length) cmd.error(`error: --join takes the study's settings from the database; leave out ${extra.join(', ')}`, { exitCode: 2 });
  } else {
    checkAlgo(opts.algo, cmd);
  }
  if (opts.study !== undefined && !STUDY_NAME.test(opts.study)) {
    cmd.error(`error: --study: got '${opts.study}'; allowed: letters, digits, '_', '.', '-' (starting with a letter or digit)`, { exitCode: 2 });
  }
  try {
    resolveMirror(opts.mirror);
  } catch (e) {
    cmd.error(`error: --mirror: ${(e as Error).message}`, { exitCode: 2 });
  }
  const target = resolveStorage(opts, cmd);
  const where = displayStorage(target);
  const liveness = livenessOf(opts);

  const store = await openStore(target, { liveness, onRetry: warn });
  try {
    const studies = store.studies();
    const { study, spec, how, spaceFrom, configFile } = await openOrPlan(store, config, opts, cmd, say);

    const backend = await initBackend(opts.backend, { tapeGradients: false });
    say(formatBackend());
    const data = { dataDir: opts.dataDir, mirror: opts.mirror };
    const dataset = await loadDataset(spec.dataset, data);
    const s = study.settings;
    say(
      `study ${study.name} (${how}) in ${where}: ${s.optimiser} on ${spec.name}, ${s.samples} configurations ` +
        `from ${spaceFrom}, ASHA on ${s.metric}: grace ${formatTime(s.grace, s.timeAttr)}, ` +
        `reduction ${s.reductionFactor}, budget ${formatTime(s.budget, s.timeAttr)}`,
    );
    for (const t of await studies.requeueOrphanedTrials(study.id)) {
      say(`trial ${t.number}: ${t.reason}`);
    }
    const { logger, file: logFile } = openRunLog(store.filesBeside, `tune-${study.name}`);
    say(`log: ${logFile}`);
    logger.info({ event: 'start', config: configFile, study: study.name, studyId: study.id, how, settings: s, backend, db: where, workers: opts.workers, liveness: store.liveness }, 'sfn tune');

    const abort = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(130);
      warn(`${sig}: stopping the running trials after their current step (again to quit at once)`);
      logger.warn({ event: 'signal', signal: sig }, 'stopping');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const display = new StudyDisplay(studies, study, opts.workers, Boolean(process.stdout.isTTY));
    display.start();
    try {
      await runStudy({
        store,
        study,
        spec,
        dataset,
        workers: opts.workers,
        db: target,
        liveness,
        backend: opts.backend ?? backend,
        data,
        signal: abort.signal,
        emit: (e) => {
          display.handle(e);
          logEvent(logger, e);
        },
      });
      if (opts.workers > 1) for (const r of await store.markOrphanedRunsInterrupted()) warn(`run ${r.id} was left unfinished by its worker; marked interrupted`);
    } finally {
      await display.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await finish(store, study, spec.batchSize, { ...opts, target }, abort.signal.aborted, say, (o) => logger.info({ event: 'summary', ...o }, 'summary'));
    logger.flush();
  } finally {
    await store.close();
  }
}

async function finish(
  store: Store,
  study: StudyRecord,
  batchSize: Parameters<typeof writeBestEntry>[3]['batchSize'],
  opts: TuneCliOptions & { target: string },
  interrupted: boolean,
  say: (line: string) => void,
  log: (o: Record<string, unknown>) => void,
): Promise<void> {
  const studies = store.studies();
  const progress = await studies.studyProgress(study.id);
  const trials = await studies.listTrials(study.id);
  const s = study.settings;
  say(`study ${study.name}: ${formatCounts(progress)}`);
  for (const r of progress.rungs) {
    const stopped = trials.filter((t) => t.state === 'stopped' && t.rung === r.rung).length;
    say(`  rung ${r.rung} at ${formatTime(r.milestone, s.timeAttr)}: ${r.recorded} recorded, ${stopped} stopped there, cutoff ${num(r.cutoffValue)}`);
  }
  const best = bestTrial(study, trials);
  let bestFile: string | null = null;
  if (best) {
    say(`top trials by the last ${s.metric}:\n${topTrialsTable(study, trials)}`);
    bestFile = writeBestEntry(store.filesBeside, study, best, { batchSize });
    say(`best: trial ${best.number}, ${s.metric} ${num(best.lastValue)} (${best.state}); its optimiser entry (preset: tuned) is in ${bestFile}`);
    say(`re-run it with the paper's 50 seeds: sfn run <config> --from-study ${study.name} --seeds 50${storageFlag(opts.target)}`);
  }
  const open = progress.counts.waiting + progress.counts.running;
  if (interrupted) {
    say(`interrupted: finished trials are kept; the others restart when you rerun the same command (sfn ${process.argv.slice(2).join(' ')})`);
    process.exitCode = 130;
  } else if (open > 0) {
    say(`${open} trials are still waiting or running in other processes; \`sfn report --study ${study.name}${storageFlag(opts.target)}\` shows the study`);
  }
  log({ interrupted, counts: progress.counts, best: best?.number ?? null, bestFile });
  if (opts.json) {
    say(JSON.stringify({
      study: study.name,
      db: displayStorage(opts.target),
      interrupted,
      counts: progress.counts,
      rungs: progress.rungs,
      best: best ? { trial: best.number, value: best.lastValue, state: best.state, config: best.config } : null,
      bestFile,
    }));
  }
}

function logEvent(logger: ReturnType<typeof openRunLog>['logger'], e: ExecutorEvent): void {
  const trial = 'job' in e && e.job?.trial ? { trial: e.job.trial.number, attempt: e.job.trial.attempt } : {};
  switch (e.type) {
    case 'start':
      logger.info({ event: 'trial-start', worker: e.worker, run: e.runId, ...trial });
      return;
    case 'done':
      logger.info({ event: 'trial-end', worker: e.worker, run: e.outcome.run.id, outcome: e.outcome.kind, status: e.outcome.run.status, steps: e.outcome.run.steps, ...trial });
      return;
    case 'error':
      logger.error({ event: 'error', worker: e.worker, message: e.message, ...trial });
      return;
    default:
      return;
  }
}
