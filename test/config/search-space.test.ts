import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, OPTIMISER_NAMES, parseExperiment, type OptimiserName } from '../../src/config/index.js';
import { parseSearchSpace } from '../../src/config/search-space-load.js';
import { PAPER_BATCH_SIZES, PAPER_SPACES } from '../../src/config/search-space.js';

const HEAD = (dataset: string, model: string) => `name: t
dataset: ${dataset}
model: ${model}
epochs: 1
batchSize: ${dataset === 'uci-energy' ? 'full' : 100}
seeds: 1
defaults:
  compat: reference
optimisers:
  - name: sgd
    lr: 0.1
  - name: ours-adaptive
    K: 5
    N: 1
    damping: 1.0e-3
`;
const UCI = HEAD('uci-energy', 'uci-mlp');

function space(text: string, algo: OptimiserName, file = 'spaces.yaml') {
  return parseSearchSpace(text, file, parseExperiment(text, file), algo);
}

/** 1-based line of the first line holding `needle` */
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

/** The single ConfigError's problems as "line:path: message". */
function problems(text: string, algo: OptimiserName): string[] {
  try {
    space(text, algo);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems.map((p) => `${p.line ?? '-'}:${p.path}: ${p.message}`);
  }
  assert.fail('expected a ConfigError');
}

test("the paper's spaces: valid for every tuned optimiser, batch size searched except on UCI Energy", () => {
  for (const name of OPTIMISER_NAMES) {
    if (!PAPER_SPACES[name]) {
      assert.equal(name, 'lbfgs', 'only L-BFGS was not tuned');
      assert.throws(() => space(UCI, name), /lbfgs has no search space: the paper did not tune it; give one under searchSpaces.lbfgs/);
      continue;
    }
    const uci = space(UCI, name);
    assert.equal(uci.origin, 'paper');
    assert.ok(!uci.space.params.some((p) => p.name === 'batchSize'), `${name} on UCI Energy: full batch`);
    const fmnist = space(HEAD('fashion-mnist', 'fmnist-mlp'), name);
    assert.deepEqual(fmnist.space.params.find((p) => p.name === 'batchSize')?.dist, { kind: 'choice', values: PAPER_BATCH_SIZES });
  }
  const adam = space(UCI, 'adam').space.params;
  assert.deepEqual(adam.map((p) => p.name), ['lr', 'eps', 'beta1', 'beta2']);
  assert.deepEqual(adam[2].dist, { kind: 'oneMinusLogUniform', low: 1e-3, high: 1 });
  const ours = space(UCI, 'ours-adaptive');
  assert.deepEqual(ours.space.params.slice(0, 2).map((p) => p.dist), [{ kind: 'intUniform', low: 1, high: 20 }, { kind: 'accelerationOrder', of: 'K' }]);
  assert.deepEqual(ours.base, { compat: 'reference' }, "the file's defaults that the optimiser takes are shared by every trial");
});

test("a space in the file replaces the paper's and keeps its order", () => {
  const text = `${UCI}searchSpaces:
  sgd:
    lr: { logUniform: [1.0e-3, 0.5] }
    batchSize: { choice: [50, 100] }
  ours-adaptive:
    K: { choice: [3, 5, 7] }
    N: { accelerationOrder: K }
    damping: 1.0e-3
`;
  const sgd = space(text, 'sgd');
  assert.equal(sgd.origin, 'file');
  assert.deepEqual(sgd.space.params, [
    { name: 'lr', dist: { kind: 'logUniform', low: 1e-3, high: 0.5 } },
    { name: 'batchSize', dist: { kind: 'choice', values: [50, 100] } },
  ]);
  assert.deepEqual(space(text, 'ours-adaptive').space.params[2], { name: 'damping', dist: { kind: 'fixed', value: 1e-3 } });
  assert.equal(space(text, 'adam').origin, 'paper');
});

test('bad spaces: every problem at once, located, saying what is allowed', () => {
  const text = `${UCI}searchSpaces:
  sgd:
    lr: { logUniform: [0.1, 1.0e-3] }
    lrr: { logUniform: [1.0e-3, 0.1] }
  adam:
    lr: { logUniform: [0, 1] }
    eps: { uniform: [1, 1] }
    beta1: { uniform: [0.5, 1.5] }
    beta2: { logUniformm: [1.0e-4, 1] }
  ours:
    K: { logUniform: [1, 20] }
    N: { accelerationOrder: M }
    lr: { intUniform: [3, 1] }
    momentum: { choice: [] }
  adamw:
    lr: 0.1
`;
  const got = problems(text, 'sgd');
  const at = (needle: string) => lineOf(text, needle);
  const expect: [number, RegExp][] = [
    [at('lr: { logUniform: [0.1'), /searchSpaces.sgd.lr.logUniform: inverted range \[0.1, 0.001\]: low must be below high$/],
    [at('lrr:'), /searchSpaces.sgd.lrr: not a hyperparameter of sgd \(did you mean 'lr'\?\); allowed: lr, batchSize$/],
    [at('lr: { logUniform: [0, 1]'), /searchSpaces.adam.lr.logUniform: a log-uniform range needs low > 0/],
    [at('eps:'), /searchSpaces.adam.eps.uniform: empty range \[1, 1\]/],
    [at('beta1:'), /searchSpaces.adam.beta1.uniform: beta1 = 1.5 \(from uniform\[0.5, 1.5\]\) is not allowed: a number in \[0, 1\)/],
    [at('beta2:'), /searchSpaces.adam.beta2: got a mapping .* \(did you mean 'logUniform'\?\); allowed: a fixed value, or one of/],
    [at('K: { logUniform'), /searchSpaces.ours.K.logUniform: K = .* is not allowed: an integer >= 1; K takes integers: use intUniform or choice$/],
    [at('accelerationOrder: M'), /searchSpaces.ours.N.accelerationOrder: 'M' is not an integer parameter listed before N; allowed: none so far/],
    [at('intUniform: [3, 1]'), /searchSpaces.ours.lr.intUniform: empty range \[3, 1\]/],
    [at('choice: []'), /searchSpaces.ours.momentum.choice: got a list \[\]; allowed: a non-empty list of values$/],
    [at('adamw:'), /searchSpaces.adamw: not an optimiser \(did you mean 'adam'\?\); allowed: ours, ours-adaptive/],
  ];
  assert.equal(got.length, expect.length, got.join('\n'));
  got.forEach((line, i) => {
    assert.ok(line.startsWith(`${expect[i][0]}:`), `${line}: expected line ${expect[i][0]}`);
    assert.match(line, expect[i][1]);
  });
});

test('a space that misses a required hyperparameter, or produces invalid configurations', () => {
  const missing = `${UCI}searchSpaces:
  ours:
    K: { intUniform: [1, 5] }
    N: 0
    damping: { logUniform: [1.0e-8, 1] }
`;
  assert.deepEqual(problems(missing, 'ours'), [
    `${lineOf(missing, '  ours:')}:searchSpaces.ours: missing lr: required by ours (a number > 0); add it to this space (a distribution or a fixed value) or to defaults`,
  ]);
  const crossed = `${UCI}searchSpaces:
  ours-adaptive:
    K: { intUniform: [1, 20] }
    N: { intUniform: [0, 9] }
    damping: 1.0e-3
`;
  const [p] = problems(crossed, 'ours-adaptive');
  assert.ok(p.startsWith(`${lineOf(crossed, '  ours-adaptive:')}:`), p);
  assert.match(p, /searchSpaces.ours-adaptive: the space produces configurations ours-adaptive refuses, e\.g\. \{.*\}: N: acceleration order N = \d needs K >= 2N\+1/);
});
