import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadExperiment, parseExperiment, type ConfigProblem } from '../../src/config/index.js';

const FILE = 'configs/test.yaml';

const BASE = `dataset: uci-energy
model: uci-mlp
epochs: 5
batchSize: full
seeds: 2
`;

/** Parses text that must fail; returns its problems (and checks the one-error message lists them all). */
function problemsOf(text: string, file = FILE): ConfigProblem[] {
  try {
    parseExperiment(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.equal(e.file, file);
    for (const p of e.problems) {
      assert.equal(p.file, file);
      assert.ok(e.message.includes(p.message), 'the single error message lists every problem');
    }
    assert.match(e.message, new RegExp(`${e.problems.length} problems?`));
    return e.problems;
  }
  assert.fail('expected the config to be rejected');
}

function only(problems: ConfigProblem[], path: string): ConfigProblem {
  const hits = problems.filter((p) => p.path === path);
  assert.equal(hits.length, 1, `one problem at ${path}; got ${JSON.stringify(problems, null, 1)}`);
  return hits[0];
}

test('an unknown key names the file, the path, its line, and the allowed keys', () => {
  const ps = problemsOf(`${BASE}epoch: 3\noptimisers:\n  - name: sgd\n    lr: 0.1\n    lrr: 0.2\n`);
  assert.equal(ps.length, 2);
  const top = only(ps, 'epoch');
  assert.equal(top.line, 6);
  assert.match(top.message, /unknown key \(did you mean 'epochs'\?\); allowed: name, .*epochs/);
  const hp = only(ps, 'optimisers[0].lrr');
  assert.equal(hp.line, 10);
  assert.equal(hp.column, 5);
  assert.match(hp.message, /unknown key for sgd \(did you mean 'lr'\?\); allowed: name, preset, batchSize, lr$/);
});

test('a wrong type says what was given and what is allowed', () => {
  const ps = problemsOf(`${BASE}optimisers:\n  - name: adam\n    lr: "0.01"\n    beta1: [0.9]\n`);
  assert.match(only(ps, 'optimisers[0].lr').message, /got the string '0\.01'; allowed for adam: a number > 0/);
  assert.match(only(ps, 'optimisers[0].beta1').message, /got a list \[0\.9\]; allowed for adam: a number in \[0, 1\)/);
});

test('out-of-range values are rejected with the allowed range', () => {
  const ps = problemsOf(
    `${BASE.replace('epochs: 5', 'epochs: 0')}evalInterval: 1.5\noptimisers:\n` +
      `  - name: ours\n    lr: 0\n    momentum: 1\n    damping: -1\n    K: 0\n    N: -1\n    V0: 0\n`,
  );
  assert.match(only(ps, 'epochs').message, /got 0; allowed: an integer >= 1/);
  assert.match(only(ps, 'evalInterval').message, /got 1\.5; allowed: an integer >= 1/);
  assert.match(only(ps, 'optimisers[0].lr').message, /got 0; allowed for ours: a number > 0/);
  assert.match(only(ps, 'optimisers[0].momentum').message, /got 1; allowed for ours: a number in \[0, 1\)/);
  assert.match(only(ps, 'optimisers[0].damping').message, /got -1; allowed for ours: a number >= 0/);
  assert.match(only(ps, 'optimisers[0].K').message, /got 0; allowed for ours: an integer >= 1/);
  assert.match(only(ps, 'optimisers[0].N').message, /got -1; allowed for ours: an integer >= 0/);
  assert.match(only(ps, 'optimisers[0].V0').message, /got 0; allowed for ours: a number > 0/);
});

test('an unknown optimiser lists the known ones', () => {
  const ps = problemsOf(`${BASE}optimisers:\n  - name: adamw\n    lr: 0.1\n`);
  assert.equal(ps.length, 1);
  const p = only(ps, 'optimisers[0].name');
  assert.equal(p.line, 7);
  assert.match(p.message, /got the string 'adamw'; allowed: one of ours, ours-adaptive, sgd, adam, kfac-kazuki, kfac-deepmind, exact-sfn, exact-sfn-adaptive, lbfgs/);
});

test('K < 2N+1 is rejected for both series optimisers, naming N and the allowed orders', () => {
  const ps = problemsOf(
    `${BASE}optimisers:\n  - name: ours\n    lr: 1\n    K: 4\n    N: 2\n` +
      `  - name: ours-adaptive\n    damping: 0.1\n    K: 1\n    N: 1\n`,
  );
  assert.match(only(ps, 'optimisers[0].N').message, /N = 2 needs K >= 2N\+1 = 5 .*got K = 4.*N in 0\.\.1/);
  assert.match(only(ps, 'optimisers[1].N').message, /N = 1 needs K >= 2N\+1 = 3 .*got K = 1.*N in 0\.\.0/);
  // the boundary K = 2N+1 is fine
  const ok = parseExperiment(`${BASE}optimisers:\n  - name: ours\n    lr: 1\n    K: 5\n    N: 2\n`, FILE);
  assert.equal(ok.optimisers[0].name, 'ours');
});

test('a missing required hyperparameter is reported where it should go', () => {
  const ps = problemsOf(`${BASE}optimisers:\n  - name: kfac-kazuki\n    lr: 0.1\n`);
  assert.deepEqual(ps.map((p) => p.path).sort(), ['optimisers[0].damping', 'optimisers[0].momentum']);
  assert.match(ps[0].message, /missing; required by kfac-kazuki: .*\(set it in this entry or in defaults\)/);
  assert.equal(ps[0].line, 7, 'located at the entry');
});

test('a bad shared default is reported at defaults, once; an unusable default is an error', () => {
  const ps = problemsOf(
    `${BASE}defaults:\n  lr: -2\n  dampnig: 1\noptimisers:\n  - name: sgd\n  - name: sgd\n    preset: b\n`,
  );
  assert.equal(ps.length, 2, JSON.stringify(ps));
  const lr = only(ps, 'defaults.lr');
  assert.equal(lr.line, 7);
  assert.match(lr.message, /got -2; allowed for sgd: a number > 0/);
  assert.match(only(ps, 'defaults.dampnig').message, /not a hyperparameter of any optimiser in this file \(sgd\); allowed: lr/);
});

test('a bad shared default used by several optimisers is one problem naming them all', () => {
  const ps = problemsOf(
    `${BASE}defaults:\n  lr: -1\n  K: 3\n  N: 2\noptimisers:\n  - name: sgd\n  - name: adam\n` +
      '  - name: ours\n    momentum: 0\n    damping: 1\n  - name: ours-adaptive\n    damping: 1\n',
  );
  assert.equal(ps.length, 2, JSON.stringify(ps));
  assert.match(only(ps, 'defaults.lr').message, /^got -1; allowed for sgd, adam, ours: a number > 0$/);
  assert.match(only(ps, 'defaults.N').message, /^ours, ours-adaptive: acceleration order N = 2 needs K >= 2N\+1 = 5/);
});

test('entries of the same optimiser need distinct presets', () => {
  const ps = problemsOf(`${BASE}optimisers:\n  - name: sgd\n    lr: 0.1\n  - name: sgd\n    lr: 0.2\n`);
  assert.match(only(ps, 'optimisers[1].name').message, /duplicate of optimisers\[0\] \(sgd\)/);
});

test('model and loss must fit the dataset', () => {
  const ps = problemsOf(`${BASE.replace('uci-mlp', 'resnet18')}loss: ce\noptimisers:\n  - name: sgd\n    lr: 0.1\n`);
  assert.match(only(ps, 'model').message, /resnet18 does not fit uci-energy; allowed for uci-energy: uci-mlp, uci-mlp-tanh/);
  assert.match(only(ps, 'loss').message, /ce does not fit uci-energy; allowed for uci-energy: mse/);
});

test('seeds, batch size and time budget explain their forms', () => {
  const ps = problemsOf(
    `dataset: fashion-mnist\nmodel: fmnist-mlp\nepochs: 1\nbatchSize: all\nseeds: [3, 3]\ntimeBudget: soon\n` +
      `optimisers:\n  - name: sgd\n    lr: 0.1\n    batchSize: 0\n`,
  );
  assert.match(only(ps, 'batchSize').message, /got the string 'all'; allowed: an integer >= 1, or 'full'/);
  assert.match(only(ps, 'seeds').message, /got a list \[3,3\]; allowed: a count n >= 1 .* distinct integers >= 0/);
  assert.match(only(ps, 'timeBudget').message, /got the string 'soon'; allowed: a duration such as "300s", "5m"/);
  assert.match(only(ps, 'optimisers[0].batchSize').message, /got 0; allowed: an integer >= 1, or 'full'/);
});

test('every problem of a file comes in one error, in file order', () => {
  const ps = problemsOf(
    `dataset: mnist\nmodel: uci-mlp\nepochs: -1\nbatchSize: full\nseeds: 0\nextra: 1\n` +
      `optimisers:\n  - name: sgd\n    lr: -1\n  - name: nope\n  - name: ours\n    lr: 1\n    K: 2\n    N: 1\n  - 42\n`,
  );
  assert.deepEqual(
    ps.map((p) => p.path),
    ['dataset', 'epochs', 'seeds', 'extra', 'optimisers[0].lr', 'optimisers[1].name', 'optimisers[2].N', 'optimisers[3]'],
  );
  const lines = ps.map((p) => p.line!);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  assert.match(ps.at(-1)!.message, /expected a mapping with at least a name/);
});

test('YAML syntax errors carry line numbers', () => {
  const ps = problemsOf('dataset: uci-energy\nmodel: [uci-mlp\nepochs: 5\n');
  assert.ok(ps.length >= 1);
  assert.match(ps[0].message, /YAML syntax error/);
  assert.ok(ps[0].line! >= 2, `line ${ps[0].line}`);
  const dup = problemsOf('dataset: uci-energy\nepochs: 5\nepochs: 6\n');
  assert.match(dup[0].message, /YAML syntax error: Map keys must be unique/);
  assert.equal(dup[0].line, 3);
  assert.match(formatFirst('a: b: c\n'), /^configs\/test\.yaml:1:\d+: YAML syntax error/);
});

function formatFirst(text: string): string {
  try {
    parseExperiment(text, FILE);
  } catch (e) {
    return (e as Error).message.split('\n')[1].trim();
  }
  return '';
}

test('a document that is not a mapping, and a missing file, are clear errors', () => {
  assert.match(problemsOf('- just\n- a list\n')[0].message, /expected a mapping with keys name, .*optimisers/);
  assert.match(problemsOf('')[0].message, /expected a mapping/);
  assert.throws(() => loadExperiment('/nonexistent/x.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /\/nonexistent\/x\.yaml: cannot read the experiment file: no such file/);
    return true;
  });
});
