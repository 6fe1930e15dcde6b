import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, HYPERPARAMETER_SCHEMAS, IMPLEMENTED_OPTIMISERS, OPTIMISER_NAMES, parseExperiment } from '../../src/config/index.js';
import { OPTIMISERS, createOptimizer, descriptorOf } from '../../src/optim/registry.js';
import { algorithmOrder, algorithmTitle, paperAlgorithmTitle } from '../../src/report/names.js';
import { PAPER_TABLE5 } from '../../src/report/paper-table5.js';

test('names, schemas, the implemented list and the report titles all come from the descriptors', () => {
  assert.deepEqual([...OPTIMISER_NAMES], OPTIMISERS.map((d) => d.name));
  for (const d of OPTIMISERS) {
    assert.equal(HYPERPARAMETER_SCHEMAS[d.name], d.schema, d.name);
    assert.equal(IMPLEMENTED_OPTIMISERS.includes(d.name), d.create !== null, d.name);
    assert.equal(algorithmTitle(d.name, null), d.title);
    assert.equal(algorithmTitle(d.name, 'code'), `${d.title} [code]`);
    assert.equal(descriptorOf(d.name), d);
  }
  // every title is one of the paper's Table 5 rows, in the table's order
  const paperOrder = [...new Set(PAPER_TABLE5.filter((r) => r.setting === 'UCI Energy').map((r) => r.algorithm))];
  assert.deepEqual(OPTIMISERS.map((d) => paperAlgorithmTitle(d.name)), paperOrder);
  assert.deepEqual(OPTIMISERS.map((d) => algorithmOrder(d.name)), OPTIMISERS.map((_, i) => i));
  assert.equal(descriptorOf('adamw'), undefined);
});

const config = (dataset: string, model: string) => `
dataset: ${dataset}
model: ${model}
epochs: 1
batchSize: 100
seeds: 1
optimisers:
  - name: sgd
    lr: 0.1
  - name: exact-sfn
    lr: 0.01
    smallEigLr: 1
    threshold: 0.001
  - name: exact-sfn-adaptive
    damping: 0.01
`;

test('an optimiser whose needs the model cannot meet is a config error naming it, the parameter count and the limit', () => {
  assert.throws(
    () => parseExperiment(config('fashion-mnist', 'fmnist-mlp'), 'f.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems.map((p) => p.path), ['optimisers[1].name', 'optimisers[2].name']);
      assert.deepEqual(e.problems.map((p) => p.line), [10, 14]);
      assert.match(e.problems[0].message, /^exact-sfn needs the explicit Hessian, which it allows up to 5,000 parameters; model fmnist-mlp has 39,760\./);
      assert.match(e.problems[1].message, /^exact-sfn-adaptive needs the explicit Hessian, .* 5,000 parameters; model fmnist-mlp has 39,760\./);
      return true;
    },
  );
  assert.doesNotThrow(() => parseExperiment(config('uci-energy', 'uci-mlp'), 'u.yaml'));
  // other callers of the registry get the same refusal
  assert.throws(
    () => createOptimizer({ name: 'exact-sfn', hyperparameters: { lr: 1, momentum: 0, smallEigLr: 1, threshold: 0 } }, { parameterCount: 39760, seed: 0 }),
    /exact-sfn needs the explicit Hessian, which it allows up to 5,000 parameters; the model has 39,760/,
  );
});
