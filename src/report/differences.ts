/**
 * Short labels for configurations that share a name: what differs between them, in words
 * ("300 epochs", "lr 0.01"), so tables and plots say "UCI Energy (300 epochs)" instead of an id.
 */
import { plural } from '../util/plural.js';

/** At most this many differences are named; more are counted ("+2 more"). */
const MAX_PARTS = 3;

/** Fields in the order a reader looks for them; others follow alphabetically. */
const ORDER = ['dataset', 'model', 'loss', 'epochs', 'maxSteps', 'timeBudgetSeconds', 'batchSize', 'evalInterval'];

type Leaf = string | number | boolean | null | undefined;

const num = (v: number): string => (Number.isInteger(v) || Math.abs(v) >= 1e-3 ? String(v) : v.toExponential());

function show(v: Leaf): string {
  if (v === undefined) return 'unset';
  if (v === null) return 'none';
  return typeof v === 'number' ? num(v) : String(v);
}

/** One difference in words: the value of `path` in this configuration. */
function describe(path: string, v: Leaf): string {
  const isNum = typeof v === 'number';
  switch (path) {
    case 'epochs':
      return isNum ? plural(v, 'epoch') : `epochs ${show(v)}`;
    case 'maxSteps':
      return isNum ? `at most ${plural(v, 'step')}` : 'no step limit';
    case 'timeBudgetSeconds':
      return isNum ? `time budget ${num(v)} s` : 'no time budget';
    case 'batchSize':
      return v === 'full' ? 'full batch' : `batch size ${show(v)}`;
    case 'evalInterval':
      return isNum ? `evaluated every ${plural(v, 'step')}` : `evaluation ${show(v)}`;
  }
  const name = path.startsWith('hyperparameters.') ? path.slice('hyperparameters.'.length) : path;
  return `${name} ${show(v)}`;
}

function flatten(value: unknown, prefix: string, out: Map<string, Leaf>): Map<string, Leaf> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, Array.isArray(value) ? JSON.stringify(value) : (value as Leaf));
  }
  return out;
}

function rank(path: string): number {
  const i = ORDER.indexOf(path);
  return i < 0 ? ORDER.length : i;
}

/**
 * For each key, the fields of its configuration whose values are not the same in all of
 * `configs`, in words, comma-separated ("300 epochs, at most 40 steps"). Labels that would still
 * be equal (identical configurations, or differences beyond the ones named) get "#<key>" added.
 * A single configuration, or none differing, gives empty labels.
 */
export function describeDifferences<K>(configs: ReadonlyMap<K, unknown>): Map<K, string> {
  const flat = new Map([...configs].map(([k, c]) => [k, flatten(c, '', new Map())]));
  const paths = new Set<string>();
  for (const f of flat.values()) for (const p of f.keys()) paths.add(p);
  const differing = [...paths]
    .filter((p) => new Set([...flat.values()].map((f) => (f.has(p) ? JSON.stringify(f.get(p)) : 'unset'))).size > 1)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const labels = new Map<K, string>();
  for (const [k, f] of flat) {
    const parts = differing.slice(0, MAX_PARTS).map((p) => describe(p, f.get(p)));
    if (differing.length > MAX_PARTS) parts.push(`+${differing.length - MAX_PARTS} more`);
    labels.set(k, parts.join(', '));
  }
  const counts = new Map<string, number>();
  for (const l of labels.values()) counts.set(l, (counts.get(l) ?? 0) + 1);
  if (configs.size > 1) {
    for (const [k, l] of labels) if ((counts.get(l) ?? 0) > 1) labels.set(k, l ? `${l}, #${String(k)}` : `#${String(k)}`);
  }
  return labels;
}
