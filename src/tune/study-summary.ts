/**
 * The end of `sfn tune`: the top trials as a table, and the best configuration as a ready-to-use
 * optimiser entry (`preset: tuned`) written to <folder of the database>/tune/<study>/best.yaml.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ExperimentSpec } from '../config/experiment.js';
import { describeDistribution, type SearchSpace } from '../config/search-space.js';
import type { StudyRecord, StudyProgress, TrialRecord } from '../store/study-types.js';
import { formatConfig, formatOutcome, formatRung, formatTime, num, rankTrials, textTable } from './format.js';
import { trialOptimiser } from './study-definition.js';

/** The best trial by the last value of the study's metric (Ray Tune's best trial, scope "last"); null if none has a value. */
export function bestTrial(study: StudyRecord, trials: readonly TrialRecord[]): TrialRecord | null {
  const ranked = rankTrials(trials.filter((t) => t.state !== 'failed' && t.lastValue !== null && Number.isFinite(t.lastValue)), study.settings.mode);
  return ranked[0] ?? null;
}

export function topTrialsTable(study: StudyRecord, trials: readonly TrialRecord[], count = 10): string {
  const s = study.settings;
  const ranked = rankTrials(trials, s.mode).slice(0, count);
  const rows = ranked.map((t, i) => [
    String(i + 1), String(t.number), t.state, formatRung(t.rung, s), formatTime(t.lastTime, s.timeAttr), num(t.lastValue), formatConfig(t.config),
  ]);
  return textTable(['rank', 'trial', 'state', 'rung', 'at', s.metric, 'configuration'], rows);
}

/** "4 running, 80 waiting, 12 stopped, 4 completed, 0 failed" */
export function formatCounts(p: StudyProgress): string {
  const c = p.counts;
  return `${c.running} running, ${c.waiting} waiting, ${c.stopped} stopped, ${c.completed} completed, ${c.failed} failed`;
}

/** Where a study's files go: <folder of the database>/tune/<study>/. */
export function studyFolder(db: string, study: string): string {
  return path.join(db === ':memory:' ? 'runs' : path.dirname(db), 'tune', study);
}

/** The best trial's entry as YAML for an experiment file's `optimisers:` list, with comments saying where it came from. */
export function bestEntryYaml(study: StudyRecord, trial: TrialRecord, spec: Pick<ExperimentSpec, 'batchSize'>): string {
  const s = study.settings;
  const entry = trialOptimiser(s, trial.config, spec.batchSize, 'tuned');
  const body: Record<string, unknown> = { name: entry.name, preset: 'tuned' };
  if (entry.batchSize !== spec.batchSize) body.batchSize = entry.batchSize;
  Object.assign(body, entry.hyperparameters);
  const space = s.space as SearchSpace;
  const comments = [
    `best configuration of study ${study.name} (${s.optimiser} on ${s.experiment.name}): trial ${trial.number}, ${s.metric} ${num(trial.lastValue, 6)} at ${formatTime(trial.lastTime, s.timeAttr)} (${trial.state})`,
    `searched: ${space.params.map((p) => `${p.name} ~ ${describeDistribution(p.dist)}`).join(', ')}`,
    `ASHA: grace ${formatTime(s.grace, s.timeAttr)}, reduction factor ${s.reductionFactor}, budget ${formatTime(s.budget, s.timeAttr)}; ${s.samples} samples, seed ${s.seed}`,
    `add it to an experiment file's optimisers, or run it with: sfn run <config> --from-study ${study.name} --seeds 50`,
  ];
  return `${comments.map((c) => `# ${c}`).join('\n')}\n${stringify([body])}`;
}

/** Writes best.yaml; returns its path. */
export function writeBestEntry(db: string, study: StudyRecord, trial: TrialRecord, spec: Pick<ExperimentSpec, 'batchSize'>): string {
  const folder = studyFolder(db, study.name);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'best.yaml');
  writeFileSync(file, bestEntryYaml(study, trial, spec));
  return file;
}

/** One line for a trial that ended. */
export function trialEndLine(study: StudyRecord, t: TrialRecord): string {
  return `trial ${t.number}: ${formatOutcome(t)} (${study.settings.metric} ${num(t.lastValue)} at ${formatTime(t.lastTime, study.settings.timeAttr)})`;
}
