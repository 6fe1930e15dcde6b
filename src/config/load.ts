import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import {
  DATASET_RULES,
  ENTRY_SHAPE,
  EXPERIMENT_SHAPE,
  optimiserLabel,
  type BatchSize,
  type ExperimentSpec,
  type OptimiserSpec,
} from './experiment.js';
import {
  crossFieldProblems,
  HYPERPARAMETER_SCHEMAS,
  hyperparameterKeys,
  isOptimiserName,
  OPTIMISER_NAMES,
  type OptimiserName,
} from './hyperparameters.js';
import { issueProblems, suggestion } from './issues.js';
import { unmetNeedProblems } from './implemented.js';
import { YamlSource, type PathSegment } from './yaml-source.js';

const experimentSchema = z.strictObject(EXPERIMENT_SHAPE);
const entrySchema = z.object(ENTRY_SHAPE); // hyperparameter keys are checked separately
const RESERVED = Object.keys(ENTRY_SHAPE);

/** Reads and validates an experiment file; throws one ConfigError listing every problem. */
export function loadExperiment(file: string): ExperimentSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? `no such file; the shipped experiments are ${shippedExperiments()}` :
      code === 'EISDIR' ? `it is a folder; name a YAML file in it, e.g. ${path.join(file, 'uci-energy.yaml')}` :
      (e as Error).message;
    throw new ConfigError(file, [{ file, path: '', message: `cannot read the experiment file: ${reason}` }]);
  }
  return parseExperiment(text, file);
}

/** The experiment files shipped with sfn, as paths a user can type (relative to the working directory where possible). */
function shippedExperiments(): string {
  const dir = path.join(packageRoot(), 'configs');
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
    const shown = path.relative(process.cwd(), dir) || '.';
    return files.map((f) => path.join(shown.startsWith('..') ? dir : shown, f)).join(', ');
  } catch {
    return `in ${dir}`;
  }
}

/** Validates experiment YAML text; `file` names it in errors and defaults the experiment name. */
export function parseExperiment(text: string, file: string): ExperimentSpec {
  const { source, problems: syntax } = YamlSource.parse(text, file);
  if (!source) throw new ConfigError(file, syntax);
  const data = source.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, [
      source.problem([], `expected a mapping with keys ${Object.keys(EXPERIMENT_SHAPE).join(', ')}`),
    ]);
  }
  const raw = data as Record<string, unknown>;
  const problems: ConfigProblem[] = [];

  const top = experimentSchema.safeParse(raw);
  if (!top.success) {
    problems.push(...issueProblems(source, top.error.issues, { data: raw, shape: EXPERIMENT_SHAPE, fileKeyPath: (k) => [k] }));
  }

  const defaults = isPlainObject(raw.defaults) ? raw.defaults : {};
  const entries = Array.isArray(raw.optimisers) ? raw.optimisers : [];
  const optimisers: OptimiserSpec[] = [];
  const seenLabels = new Map<string, number>();
  const namesInFile = new Set<OptimiserName>();
  entries.forEach((entry, i) => {
    if (isPlainObject(entry) && isOptimiserName(entry.name)) {
      namesInFile.add(entry.name);
      const preset = typeof entry.preset === 'string' ? entry.preset : null;
      const label = optimiserLabel(entry.name, preset);
      const first = seenLabels.get(label);
      if (first === undefined) seenLabels.set(label, i);
      else {
        problems.push(
          source.problem(
            ['optimisers', i, preset ? 'preset' : 'name'],
            `duplicate of optimisers[${first}] (${label}); give each entry of the same optimiser a distinct preset`,
          ),
        );
      }
    }
    const spec = checkEntry(source, entry, i, defaults, raw.batchSize, problems);
    if (spec) optimisers.push(spec);
  });
  problems.push(...unusedDefaults(source, defaults, namesInFile));
  problems.push(...datasetFit(source, raw));
  if (top.success) problems.push(...unmetNeedProblems(source, top.data.model, optimisers));

  if (problems.length || !top.success) throw new ConfigError(file, inFileOrder(dedupe(problems)));
  const t = top.data;
  return {
    file,
    name: t.name ?? baseName(file),
    description: t.description ?? null,
    dataset: t.dataset,
    model: t.model,
    loss: t.loss ?? DATASET_RULES[t.dataset].loss,
    epochs: t.epochs,
    batchSize: t.batchSize,
    seeds: typeof t.seeds === 'number' ? Array.from({ length: t.seeds }, (_, s) => s) : t.seeds,
    evalInterval: t.evalInterval ?? 1,
    timeBudgetSeconds: t.timeBudget === undefined ? null : parseDuration(t.timeBudget),
    maxSteps: t.maxSteps ?? null,
    optimisers,
  };
}

/** One optimiser entry: its own keys, then its hyperparameters merged over the defaults. */
function checkEntry(
  source: YamlSource,
  entry: unknown,
  i: number,
  defaults: Record<string, unknown>,
  topBatchSize: unknown,
  problems: ConfigProblem[],
): OptimiserSpec | null {
  if (!isPlainObject(entry)) {
    problems.push(source.problem(['optimisers', i], 'expected a mapping with at least a name, e.g. "- name: adam"'));
    return null;
  }
  const head = entrySchema.safeParse(entry);
  if (!head.success) {
    problems.push(
      ...issueProblems(source, head.error.issues, {
        data: entry,
        shape: ENTRY_SHAPE,
        fileKeyPath: (k) => ['optimisers', i, k],
      }),
    );
  }
  const name = entry.name;
  if (!isOptimiserName(name)) return null;

  const schema = HYPERPARAMETER_SCHEMAS[name];
  const known = hyperparameterKeys(name);
  const merged: Record<string, unknown> = {};
  const origin: Record<string, PathSegment[]> = {};
  for (const key of known) {
    if (key in entry) {
      merged[key] = entry[key];
      origin[key] = ['optimisers', i, key];
    } else if (key in defaults) {
      merged[key] = defaults[key];
      origin[key] = ['defaults', key];
    }
  }
  for (const key of Object.keys(entry)) {
    if (!RESERVED.includes(key) && !known.includes(key)) merged[key] = entry[key];
  }
  const where = (k: PathSegment) => origin[k as string] ?? ['optimisers', i, k];
  const hp = schema.safeParse(merged);
  if (!hp.success) {
    problems.push(
      ...issueProblems(source, hp.error.issues, {
        data: merged,
        shape: schema.shape,
        fileKeyPath: where,
        subject: name,
        extraKeys: RESERVED,
        missingHint: ' (set it in this entry or in defaults)',
      }),
    );
  }
  for (const c of crossFieldProblems(name, merged)) problems.push(source.problem(where(c.key), `${name}: ${c.message}`));
  if (!head.success || !hp.success) return null;

  const preset = head.data.preset ?? null;
  const location = source.locate(['optimisers', i]);
  return {
    index: i,
    name,
    preset,
    label: optimiserLabel(name, preset),
    batchSize: (head.data.batchSize ?? topBatchSize) as BatchSize,
    hyperparameters: hp.data,
    location,
  } as OptimiserSpec;
}

/** A key in defaults that none of the file's optimisers takes is a typo or a leftover. */
function unusedDefaults(source: YamlSource, defaults: Record<string, unknown>, names: Set<OptimiserName>): ConfigProblem[] {
  if (names.size === 0) return [];
  const usable = [...new Set([...names].flatMap(hyperparameterKeys))];
  return Object.keys(defaults)
    .filter((k) => !usable.includes(k))
    .map((k) =>
      source.problem(
        ['defaults', k],
        `not a hyperparameter of any optimiser in this file (${[...names].join(', ')})${suggestion(k, usable)}; allowed: ${usable.join(', ')}`,
      ),
    );
}

/** The model and loss must suit the dataset (input shape, regression or classification). */
function datasetFit(source: YamlSource, raw: Record<string, unknown>): ConfigProblem[] {
  const rules = DATASET_RULES[raw.dataset as keyof typeof DATASET_RULES];
  if (!rules) return [];
  const out: ConfigProblem[] = [];
  if (typeof raw.model === 'string' && !rules.models.includes(raw.model as never) && (EXPERIMENT_SHAPE.model.options as readonly string[]).includes(raw.model)) {
    out.push(source.problem(['model'], `${raw.model} does not fit ${raw.dataset}; allowed for ${raw.dataset}: ${rules.models.join(', ')}`));
  }
  if ((raw.loss === 'mse' || raw.loss === 'ce') && raw.loss !== rules.loss) {
    out.push(source.problem(['loss'], `${raw.loss} does not fit ${raw.dataset}; allowed for ${raw.dataset}: ${rules.loss}`));
  }
  return out;
}

function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function baseName(file: string): string {
  return (file.split(/[\\/]/).pop() ?? file).replace(/\.ya?ml$/i, '');
}

// each optimiser name as a whole word, longest first: 'ours' is part of 'ours-adaptive'
const NAME_PATTERNS = [...OPTIMISER_NAMES]
  .sort((a, b) => b.length - a.length)
  .map((name) => ({ name, pattern: new RegExp(`(?<![\\w-])${name}(?![\\w-])`) }));

/**
 * A bad shared default shows up once, not once per optimiser that uses it: problems at the same
 * defaults path whose messages differ only in the optimiser named become one message naming them all.
 */
function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const groups = new Map<string, { problem: ConfigProblem; template: string | null; names: string[] }>();
  for (const p of problems) {
    const named = p.path.startsWith('defaults') ? NAME_PATTERNS.find(({ pattern }) => pattern.test(p.message)) : undefined;
    const name = named?.name;
    const template = named ? p.message.replace(named.pattern, '\u0000') : null;
    const key = `${p.path}\u0000${template ?? p.message}`;
    const group = groups.get(key);
    if (!group) groups.set(key, { problem: p, template, names: name ? [name] : [] });
    else if (name && !group.names.includes(name)) group.names.push(name);
  }
  return [...groups.values()].map(({ problem, template, names }) =>
    template === null ? problem : { ...problem, message: template.replace('\u0000', names.join(', ')) },
  );
}
