/**
 * Reads and checks the search spaces of an experiment file (`searchSpaces:`), with every problem
 * located in the file like the rest of the config's errors. A space names hyperparameters of the
 * optimiser's schema (src/config/hyperparameters.ts) or `batchSize`; every value a distribution can
 * produce must be allowed by that schema, and every configuration it can produce must be valid as a
 * whole (checked on a fixed sample of them, e.g. the series' K >= 2N + 1).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.js';
import { batchSizeSchema, type ExperimentSpec } from './experiment.js';
import { allowedText, allowing } from './fields.js';
import { crossFieldProblems, HYPERPARAMETER_SCHEMAS, hyperparameterKeys, isOptimiserName, OPTIMISER_NAMES, type OptimiserName } from './hyperparameters.js';
import { show, suggestion } from './issues.js';
import {
  describeDistribution,
  DISTRIBUTION_FORMS,
  paperBatchSizeSpace,
  PAPER_SPACES,
  type Distribution,
  type Scalar,
  type SearchSpace,
  type SpaceParam,
} from './search-space.js';
import { YamlSource, type PathSegment } from './yaml-source.js';
import { sampleConfigurations } from '../tune/sampler.js';

export interface ResolvedSpace {
  space: SearchSpace;
  /** hyperparameters every trial shares: the file's `defaults` that this optimiser takes */
  base: Record<string, unknown>;
  /** the file's own space, or the paper's */
  origin: 'file' | 'paper';
}

type Report = (path: PathSegment[], message: string) => void;

const RANGE = allowing(z.tuple([z.number(), z.number()]), 'a list [low, high] of two numbers');
const INT_RANGE = allowing(z.tuple([z.number().int(), z.number().int()]), 'a list [low, high] of two integers');
const FORM_ARGUMENTS: Record<(typeof DISTRIBUTION_FORMS)[number], z.ZodType> = {
  logUniform: RANGE,
  uniform: RANGE,
  oneMinusLogUniform: RANGE,
  intUniform: INT_RANGE,
  choice: allowing(z.array(z.union([z.number(), z.string(), z.boolean()])).min(1), 'a non-empty list of values'),
  accelerationOrder: allowing(z.string().min(1), 'the name of the integer parameter listed before it that holds K, e.g. K'),
};
const FORMS_TEXT =
  'a fixed value, or one of { logUniform: [low, high] }, { uniform: [low, high] }, { intUniform: [low, high] }, ' +
  '{ oneMinusLogUniform: [low, high] }, { choice: [a, b, ...] }, { accelerationOrder: K }';

/** How many configurations the whole-configuration check draws. */
const CHECK_SAMPLES = 256;

/** The search space `sfn tune --algo <algo>` uses with this experiment file; throws one ConfigError listing every problem. */
export function loadSearchSpace(file: string, spec: ExperimentSpec, algo: OptimiserName): ResolvedSpace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ file, path: '', message: `cannot read the experiment file: ${(e as Error).message}` }]);
  }
  return parseSearchSpace(text, file, spec, algo);
}

export function parseSearchSpace(text: string, file: string, spec: ExperimentSpec, algo: OptimiserName): ResolvedSpace {
  const { source, problems: syntax } = YamlSource.parse(text, file);
  if (!source) throw new ConfigError(file, syntax);
  const raw = isPlainObject(source.data) ? source.data : {};
  const problems: ConfigProblem[] = [];
  const at = (prefix: PathSegment[]): Report => (path, message) => problems.push(source.problem([...prefix, ...path], message));

  const spaces = raw.searchSpaces;
  const parsed = new Map<OptimiserName, SearchSpace>();
  if (spaces !== undefined && !isPlainObject(spaces)) {
    at(['searchSpaces'])([], `got ${show(spaces)}; allowed: a mapping from optimiser names to search spaces`);
  } else if (spaces) {
    for (const [name, body] of Object.entries(spaces)) {
      const report = at(['searchSpaces', name]);
      if (!isOptimiserName(name)) report([], `not an optimiser${suggestion(name, OPTIMISER_NAMES)}; allowed: ${OPTIMISER_NAMES.join(', ')}`);
      else if (!isPlainObject(body) || Object.keys(body).length === 0) {
        report([], `got ${show(body)}; allowed: a mapping from ${name}'s hyperparameters to distributions, e.g. lr: { logUniform: [1.0e-6, 0.1] }`);
      } else {
        const space = parseSpace(name, body, report);
        if (space) parsed.set(name, space);
      }
    }
  }
  if (problems.length) throw new ConfigError(file, problems);

  const fromFile = parsed.get(algo);
  let space: SearchSpace;
  let report: Report;
  if (fromFile) {
    space = fromFile;
    report = at(['searchSpaces', algo]);
  } else {
    const paper = PAPER_SPACES[algo];
    if (!paper) {
      throw new ConfigError(file, [
        { file, path: 'searchSpaces', message: `${algo} has no search space: the paper did not tune it; give one under searchSpaces.${algo} in ${file}` },
      ]);
    }
    // the built-in spaces are checked by the tests; a problem here is a bug, reported against the file's optimiser
    report = (path, message) => problems.push({ file, path: `(paper's space for ${algo}).${path.join('.')}`, message });
    space = parseSpace(algo, paper, report)!;
  }
  if (!space.params.some((p) => p.name === 'batchSize')) {
    const batch = paperBatchSizeSpace(spec.dataset);
    if (batch) space = { ...space, params: [...space.params, ...parseSpace(algo, { batchSize: batch }, report)!.params] };
  }

  const defaults = isPlainObject(raw.defaults) ? raw.defaults : {};
  const keys = hyperparameterKeys(algo);
  const base = Object.fromEntries(Object.entries(defaults).filter(([k]) => keys.includes(k) && !space.params.some((p) => p.name === k)));
  checkComplete(algo, space, base, report);
  if (!problems.length) checkConfigurations(algo, space, base, report);
  if (problems.length) throw new ConfigError(file, problems);
  return { space, base, origin: fromFile ? 'file' : 'paper' };
}

/** One optimiser's space; null (with problems reported) when it has errors. */
export function parseSpace(algo: OptimiserName, body: Record<string, unknown>, report: Report): SearchSpace | null {
  const keys = [...hyperparameterKeys(algo), 'batchSize'];
  const params: SpaceParam[] = [];
  let ok = true;
  for (const [name, raw] of Object.entries(body)) {
    const here: Report = (path, message) => {
      ok = false;
      report([name, ...path], message);
    };
    if (!keys.includes(name)) {
      here([], `not a hyperparameter of ${algo}${suggestion(name, keys)}; allowed: ${keys.join(', ')}`);
      continue;
    }
    const dist = parseDistribution(raw, here);
    if (!dist) continue;
    const field = name === 'batchSize' ? batchSizeSchema : (HYPERPARAMETER_SCHEMAS[algo].shape as Record<string, z.ZodType>)[name];
    checkDistribution(name, dist, field, params, here);
    params.push({ name, dist });
  }
  return ok ? { optimiser: algo, params } : null;
}

function parseDistribution(raw: unknown, report: Report): Distribution | null {
  if (typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') return { kind: 'fixed', value: raw };
  const keys = isPlainObject(raw) ? Object.keys(raw) : [];
  const form = keys.length === 1 ? DISTRIBUTION_FORMS.find((f) => f === keys[0]) : undefined;
  if (!form) {
    const hint = keys.length === 1 ? suggestion(keys[0], DISTRIBUTION_FORMS) : '';
    report([], `got ${show(raw)}${hint}; allowed: ${FORMS_TEXT}`);
    return null;
  }
  const arg = (raw as Record<string, unknown>)[form];
  const schema = FORM_ARGUMENTS[form];
  const r = schema.safeParse(arg);
  if (!r.success) {
    report([form], `got ${show(arg)}; allowed: ${allowedText(schema)}`);
    return null;
  }
  switch (form) {
    case 'choice':
      return { kind: 'choice', values: r.data as Scalar[] };
    case 'accelerationOrder':
      return { kind: 'accelerationOrder', of: r.data as string };
    default: {
      const [low, high] = r.data as [number, number];
      return { kind: form, low, high };
    }
  }
}

/** Ranges that are empty, inverted or off the log scale, and values the hyperparameter does not allow. */
function checkDistribution(name: string, d: Distribution, field: z.ZodType, earlier: SpaceParam[], report: Report): void {
  const values: Scalar[] = [];
  switch (d.kind) {
    case 'fixed':
      values.push(d.value);
      break;
    case 'choice':
      if (new Set(d.values).size !== d.values.length) return report(['choice'], `got ${show(d.values)}; allowed: distinct values`);
      values.push(...d.values);
      break;
    case 'accelerationOrder': {
      const of = earlier.find((p) => p.name === d.of);
      if (!of || !integerValued(of.dist)) {
        const names = earlier.filter((p) => integerValued(p.dist)).map((p) => p.name);
        return report(['accelerationOrder'], `'${d.of}' is not an integer parameter listed before ${name}; allowed: ${names.length ? names.join(', ') : 'none so far (list K first)'}`);
      }
      values.push(0);
      break;
    }
    case 'intUniform':
      if (d.low > d.high) return report([d.kind], `empty range [${d.low}, ${d.high}]: low must be at most high`);
      values.push(d.low, d.high);
      break;
    default: {
      if (!(d.low < d.high)) return report([d.kind], `${d.low === d.high ? 'empty' : 'inverted'} range [${d.low}, ${d.high}]: low must be below high`);
      const log = d.kind !== 'uniform';
      if (log && !(d.low > 0)) return report([d.kind], `a log-uniform range needs low > 0 (got [${d.low}, ${d.high}])`);
      const mid = log ? Math.sqrt(d.low * d.high) : (d.low + d.high) / 2;
      const map = (x: number) => (d.kind === 'oneMinusLogUniform' ? 1 - x : x);
      values.push(map(d.low), map(d.high), map(mid));
    }
  }
  for (const v of values) {
    if (field.safeParse(v).success) continue;
    const integer = typeof v === 'number' && !Number.isInteger(v) && field.safeParse(Math.round(v)).success;
    const hint = integer ? `; ${name} takes integers: use intUniform or choice` : '';
    const path = d.kind === 'fixed' ? [] : [d.kind];
    return report(path, `${name} = ${show(v)} (from ${describeDistribution(d)}) is not allowed: ${allowedText(field) ?? 'see the optimiser schema'}${hint}`);
  }
}

function integerValued(d: Distribution): boolean {
  if (d.kind === 'intUniform') return true;
  if (d.kind === 'fixed') return Number.isInteger(d.value);
  if (d.kind === 'choice') return d.values.every((v) => Number.isInteger(v));
  return false;
}

/** Every hyperparameter without a default must come from the space or the file's defaults. */
function checkComplete(algo: OptimiserName, space: SearchSpace, base: Record<string, unknown>, report: Report): void {
  const shape = HYPERPARAMETER_SCHEMAS[algo].shape as Record<string, z.ZodType>;
  for (const [key, field] of Object.entries(shape)) {
    if (key in base || space.params.some((p) => p.name === key)) continue;
    if (!field.safeParse(undefined).success) {
      report([], `missing ${key}: required by ${algo} (${allowedText(field) ?? 'a value'}); add it to this space (a distribution or a fixed value) or to defaults`);
    }
  }
}

/** Whole configurations: a fixed sample of what the space produces must pass the optimiser's schema and cross-field rules. */
function checkConfigurations(algo: OptimiserName, space: SearchSpace, base: Record<string, unknown>, report: Report): void {
  const schema = HYPERPARAMETER_SCHEMAS[algo];
  for (const c of sampleConfigurations(space, 0, CHECK_SAMPLES)) {
    const { batchSize: _batch, ...hp } = c;
    const merged = { ...base, ...hp };
    const r = schema.safeParse(merged);
    const problem = !r.success
      ? r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
      : crossFieldProblems(algo, merged).map((p) => `${p.key}: ${p.message}`).join('; ');
    if (problem) {
      report([], `the space produces configurations ${algo} refuses, e.g. ${JSON.stringify(c)}: ${problem}`);
      return;
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
