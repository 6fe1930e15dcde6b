/**
 * Are two recorded sets of runs the same, step for step? Matches runs of two results databases by
 * (experiment, optimiser, preset, seed) and compares every per-step metric value they both logged
 * for exact equality (NaN equals NaN; wall-clock times are not compared). For checking that a
 * refactor changed no result:
 *   node --import tsx scripts/compare-runs.ts /tmp/before.db /tmp/after.db [--only-common-keys]
 * (either may be a postgresql:// URL)
 * A key only one side logged (e.g. a new step-info field) is listed; it counts as a difference
 * unless --only-common-keys is given. Exit status 0 when nothing differs, 1 otherwise.
 */
import { openStore, type RunRecord, type Store } from '../src/store/index.js';

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const onlyCommonKeys = args.includes('--only-common-keys');
if (files.length !== 2) {
  process.stderr.write('usage: node --import tsx scripts/compare-runs.ts <a.db> <b.db> [--only-common-keys]\n');
  process.exit(2);
}
const [a, b] = await Promise.all(files.map((f) => openStore(f, { readonly: true })));

const runKey = (r: RunRecord): string => `${r.experiment} ${r.optimiser}${r.preset ? `:${r.preset}` : ''} seed ${r.seed}`;
const byKey = async (s: Store) => new Map((await s.listRuns()).map((r) => [runKey(r), r] as const));
const runsA = await byKey(a);
const runsB = await byKey(b);

const same = (x: number, y: number): boolean => x === y || (Number.isNaN(x) && Number.isNaN(y));
let differences = 0;
const lines: string[] = [];
for (const key of new Set([...runsA.keys(), ...runsB.keys()])) {
  const ra = runsA.get(key);
  const rb = runsB.get(key);
  if (!ra || !rb) {
    differences++;
    lines.push(`${key}: only in ${ra ? files[0] : files[1]}`);
    continue;
  }
  const keysA = await a.metricKeys(ra.id);
  const keysB = await b.metricKeys(rb.id);
  const common = keysA.filter((k) => keysB.includes(k));
  const oneSided = [...keysA.filter((k) => !keysB.includes(k)).map((k) => `${k} (only ${files[0]})`), ...keysB.filter((k) => !keysA.includes(k)).map((k) => `${k} (only ${files[1]})`)];
  let problems = 0;
  let values = 0;
  const notes: string[] = [];
  if (ra.steps !== rb.steps || ra.status !== rb.status) {
    problems++;
    notes.push(`steps/status ${ra.steps}/${ra.status} vs ${rb.steps}/${rb.status}`);
  }
  for (const k of common) {
    const sa = await a.metricSeries(ra.id, k);
    const sb = await b.metricSeries(rb.id, k);
    if (sa.length !== sb.length) {
      problems++;
      notes.push(`${k}: ${sa.length} vs ${sb.length} steps`);
      continue;
    }
    const first = sa.findIndex((p, i) => p.step !== sb[i].step || !same(p.value, sb[i].value));
    values += sa.length;
    if (first >= 0) {
      problems++;
      notes.push(`${k}: first differs at step ${sa[first].step} (${sa[first].value} vs ${sb[first].value})`);
    }
  }
  if (oneSided.length) {
    notes.push(`keys on one side: ${oneSided.join(', ')}`);
    if (!onlyCommonKeys) problems++;
  }
  differences += problems;
  lines.push(`${key}: ${problems ? 'DIFFERS' : 'identical'} (${common.length} keys, ${values} values)${notes.length ? `\n    ${notes.join('\n    ')}` : ''}`);
}
await a.close();
await b.close();
lines.push(differences ? `${differences} difference(s)` : 'no differences');
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = differences ? 1 : 0;
