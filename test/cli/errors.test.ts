import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sfn } from './run-helpers.js';

/**
 * Wrong inputs a newcomer meets: each gets one line naming what is wrong (and how to fix it or
 * where to look), never the whole usage text, a non-zero exit status, and nothing written.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'sfn-cli-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = path.join(dir, 'out', 'r.db');

const CASES: { args: string[]; code: number; message: RegExp; hint?: string }[] = [
  { args: ['run', '--seeds', 'x', '--db', db], code: 2, message: /^error: --seeds: got 'x'; allowed: a count n >= 1 or a list like 0,3,7$|^error: --seeds: got 'x'; allowed: an integer >= 1$/m, hint: 'sfn run --help' },
  { args: ['run', '--bogus', '--db', db], code: 1, message: /^error: unknown option '--bogus'$/m, hint: 'sfn run --help' },
  { args: ['run', '--workers', '0', '--db', db], code: 2, message: /--workers: got '0'; allowed: an integer >= 1/, hint: 'sfn run --help' },
  { args: ['run', 'configs/nope.yaml', '--db', db], code: 1, message: /configs\/nope\.yaml: cannot read the experiment file: no such file; the shipped experiments are .*configs\/uci-energy\.yaml/ },
  { args: ['run', 'configs', '--db', db], code: 1, message: /cannot read the experiment file: it is a folder; name a YAML file in it/ },
  { args: ['run', '--optimiser', 'adma', '--db', db], code: 1, message: /--optimiser: 'adma' is not in/ },
  { args: ['data', 'fetch', 'mnist'], code: 2, message: /^error: unknown dataset "mnist"; choose from uci-energy, fashion-mnist, svhn, cifar10 or "all"$/m, hint: 'sfn data fetch --help' },
  { args: ['report', '--format', 'xml', '--db', db], code: 1, message: /argument 'xml' is invalid\. Allowed choices are markdown, csv, json/, hint: 'sfn report --help' },
  { args: ['check-hvp', '--model', 'vgg'], code: 1, message: /vgg/ },
  { args: ['accel', '--steps', '0'], code: 1, message: /--steps must be an integer >= 1, got '0'/, hint: 'sfn accel --help' },
];

for (const c of CASES) {
  test(`sfn ${c.args.filter((a) => a !== db && a !== '--db').join(' ')}: one clear line`, async () => {
    const r = await sfn(c.args);
    assert.equal(r.code, c.code, r.stderr);
    assert.match(r.stderr, c.message);
    assert.doesNotMatch(r.stderr, /Usage:/, 'no usage text');
    if (c.hint) assert.match(r.stderr, new RegExp(`see \`${c.hint}\``));
    assert.ok(r.stderr.trim().split('\n').length <= 3, `at most a few lines:\n${r.stderr}`);
    assert.equal(existsSync(path.join(dir, 'out')), false, 'nothing written');
  });
}

test('--optimiser does not swallow the config path, and no config means the built-in default, said so', async () => {
  const named = await sfn(['run', '--optimiser', 'adam', 'configs/uci-energy.yaml', '--seeds', '1', '--max-steps', '2', '--db', db]);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /experiment uci-energy .*: 1 run, 0 already done, 1 to run on 1 worker/);
  const plain = await sfn(['run', '--optimiser', 'sgd', '--seeds', '1', '--max-steps', '2', '--db', db]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /no config named: using the default experiment configs\/uci-energy\.yaml \(UCI Energy\)/);
  assert.match(plain.stdout, /the copy built into sfn/);
  rmSync(path.join(dir, 'out'), { recursive: true, force: true });
});
