import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  IMPLEMENTED_OPTIMISERS,
  applyOverrides,
  experimentIdentity,
  parseDuration,
  parseExperiment,
  refuseUnimplemented,
  runConfig,
} from '../../src/config/index.js';
import { OPTIMISER_NAMES } from '../../src/optim/catalogue.js';

const TEXT = `
description: a small test
dataset: fashion-mnist
model: fmnist-mlp
epochs: 2
batchSize: 100
seeds: [3, 5, 8]
timeBudget: 1m30s
maxSteps: 40
defaults:
  lr: 0.5
  momentum: 0.25
  compat: reference
optimisers:
  - name: sgd
  - name: ours
    preset: fast
    batchSize: 400
    K: 5
    N: 2
  - name: ours
    preset: slow
    lr: 0.1
    K: 9
    N: 0
    momentum: 0
  - name: adam
    lr: 0.001
`;

test('defaults merge under each entry, schema defaults fill the rest', () => {
  const spec = parseExperiment(TEXT, 'dir/small-test.yml');
  assert.equal(spec.name, 'small-test', 'the name defaults to the file name');
  assert.equal(spec.description, 'a small test');
  assert.equal(spec.loss, 'ce', 'the loss defaults to the dataset kind');
  assert.deepEqual(spec.seeds, [3, 5, 8]);
  assert.equal(spec.evalInterval, 1, 'evaluation every step by default, as the paper');
  assert.equal(spec.timeBudgetSeconds, 90);
  assert.equal(spec.maxSteps, 40);
  assert.deepEqual(
    spec.optimisers.map((o) => [o.index, o.label, o.batchSize]),
    [
      [0, 'sgd', 100],
      [1, 'ours:fast', 400],
      [2, 'ours:slow', 100],
      [3, 'adam', 100],
    ],
  );
  const [sgd, fast, slow, adam] = spec.optimisers;
  assert.deepEqual(sgd.hyperparameters, { lr: 0.5 }, 'sgd takes only lr from the defaults');
  assert.deepEqual(fast.hyperparameters, {
    lr: 0.5, momentum: 0.25, damping: 0, K: 5, N: 2, accelerator: 'wynn', compat: 'reference', V0: 100, powerIterations: 0,
  });
  assert.ok(slow.name === 'ours', 'the union narrows by name');
  assert.equal(slow.hyperparameters.lr, 0.1, 'the entry overrides the defaults');
  assert.equal(slow.hyperparameters.momentum, 0);
  assert.deepEqual(adam.hyperparameters, { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  assert.equal(fast.location?.line, 16);
});

test('a seed count means seeds 0..n-1; numbers like 1e-3 are numbers', () => {
  const spec = parseExperiment(
    'dataset: uci-energy\nmodel: uci-mlp\nepochs: 1\nbatchSize: full\nseeds: 4\noptimisers:\n  - name: sgd\n    lr: 1e-3\n',
    'x.yaml',
  );
  assert.deepEqual(spec.seeds, [0, 1, 2, 3]);
  assert.equal(spec.loss, 'mse');
  assert.equal(spec.timeBudgetSeconds, null);
  assert.equal(spec.maxSteps, null);
  assert.deepEqual(spec.optimisers[0].hyperparameters, { lr: 0.001 });
  assert.equal(spec.optimisers[0].preset, null);
});

test('durations', () => {
  assert.equal(parseDuration('5m'), 300);
  assert.equal(parseDuration('300s'), 300);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.equal(parseDuration('250ms'), 0.25);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration(12), 12);
  for (const bad of ['', '5 minutes', 'm', '-1s', '5mm', '1.2.3s']) assert.equal(parseDuration(bad), null, bad);
});

test('every optimiser of the catalogue is implemented: a config listing KFAC runs', () => {
  assert.deepEqual([...IMPLEMENTED_OPTIMISERS].sort(), [...OPTIMISER_NAMES].sort());
  const text = `
dataset: uci-energy
model: uci-mlp
epochs: 2
batchSize: 588
seeds: 1
optimisers:
  - name: sgd
    lr: 0.1
  - name: kfac-deepmind
    damping: 0.1
  - name: kfac-kazuki
    lr: 1
    momentum: 0
    damping: 0.1
`;
  assert.doesNotThrow(() => refuseUnimplemented(parseExperiment(text, 'x.yaml')));
});

test('overrides select optimisers by name or label and replace seeds and epochs', () => {
  const spec = parseExperiment(TEXT, 'x.yaml');
  assert.deepEqual(applyOverrides(spec, { optimisers: ['ours'] }).optimisers.map((o) => o.label), ['ours:fast', 'ours:slow']);
  assert.deepEqual(applyOverrides(spec, { optimisers: ['ours:slow', 'sgd'] }).optimisers.map((o) => o.label), ['sgd', 'ours:slow']);
  const o = applyOverrides(spec, { seeds: 2, epochs: 7 });
  assert.deepEqual(o.seeds, [0, 1]);
  assert.equal(o.epochs, 7);
  assert.deepEqual(applyOverrides(spec, { seeds: [9, 4] }).seeds, [9, 4]);
  assert.throws(
    () => applyOverrides(spec, { optimisers: ['kfac'], seeds: 0, epochs: 1.5 }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 3);
      assert.match(e.message, /--optimiser: 'kfac' is not in x\.yaml; allowed: sgd, ours, adam, ours:fast, ours:slow/);
      assert.match(e.message, /--seeds: got 0; allowed: an integer >= 1/);
      assert.match(e.message, /--epochs: got 1\.5/);
      return true;
    },
  );
});

test('the experiment identity ignores seeds and the optimiser choice; run configs differ per entry', () => {
  const spec = parseExperiment(TEXT, 'x.yaml');
  const fewer = applyOverrides(spec, { seeds: 1, optimisers: ['sgd'] });
  assert.deepEqual(experimentIdentity(fewer), experimentIdentity(spec));
  assert.notDeepEqual(experimentIdentity(applyOverrides(spec, { epochs: 3 })), experimentIdentity(spec));
  const [sgd, fast, slow] = spec.optimisers;
  const rc = runConfig(spec, fast);
  assert.equal(rc.optimiser, 'ours');
  assert.equal(rc.preset, 'fast');
  assert.equal(rc.batchSize, 400);
  assert.deepEqual(rc.hyperparameters, fast.hyperparameters);
  assert.notDeepEqual(runConfig(spec, slow), rc);
  assert.equal(runConfig(spec, sgd).batchSize, 100);
  assert.equal(JSON.stringify(rc).includes('seed'), false, 'the seed is a separate part of the run key');
});
