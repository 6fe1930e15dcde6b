import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadExperiment, OPTIMISER_NAMES, type ExperimentSpec, type OptimiserSpec } from '../../src/config/index.js';

const CONFIGS = fileURLToPath(new URL('../../configs/', import.meta.url));
const load = (name: string) => loadExperiment(join(CONFIGS, `${name}.yaml`));

function entry(spec: ExperimentSpec, label: string): OptimiserSpec {
  const e = spec.optimisers.find((o) => o.label === label);
  assert.ok(e, `${spec.name} has ${label}`);
  return e;
}

test('every shipped config parses', () => {
  const files = readdirSync(CONFIGS).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length >= 4);
  for (const f of files) assert.doesNotThrow(() => loadExperiment(join(CONFIGS, f)), f);
});

test("the paper's datasets, epochs and batch sizes", () => {
  const rows: [string, string, string, number][] = [
    ['uci-energy', 'uci-energy', 'uci-mlp', 6000],
    ['fashion-mnist', 'fashion-mnist', 'fmnist-mlp', 10],
    ['svhn', 'svhn', 'resnet18', 10],
    ['cifar10', 'cifar10', 'resnet18', 72],
  ];
  for (const [file, dataset, model, epochs] of rows) {
    const spec = load(file);
    assert.equal(spec.dataset, dataset);
    assert.equal(spec.model, model);
    assert.equal(spec.epochs, epochs, file);
    assert.equal(spec.evalInterval, 1);
    assert.equal(spec.seeds.length, 50);
  }
  assert.ok(load('uci-energy').optimisers.every((o) => o.batchSize === 'full'));
  const batches = (name: string) => Object.fromEntries(load(name).optimisers.map((o) => [o.label, o.batchSize]));
  assert.deepEqual(batches('fashion-mnist'), {
    'ours:code': 400, 'ours:paper': 400, 'ours:exact': 400,
    'ours-adaptive:code': 400, 'ours-adaptive:paper': 800, 'ours-adaptive:exact': 400,
    sgd: 100, adam: 400, 'kfac-deepmind': 3200, 'kfac-kazuki': 800, 'kfac-deepmind:paper': 3200, 'kfac-kazuki:paper': 800,
  });
  assert.deepEqual(batches('svhn'), {
    'ours:code': 200, 'ours-adaptive:code': 100, sgd: 50, adam: 1600, 'kfac-deepmind': 1600, 'kfac-kazuki': 800,
  });
  assert.deepEqual(batches('cifar10'), {
    'ours:code': 3200, 'ours-adaptive:code': 3200, sgd: 3200, adam: 800, 'kfac-deepmind': 800, 'kfac-kazuki': 3200,
  });
});

test('every optimiser of REFERENCE.md is in each config; the exact ones and L-BFGS on UCI Energy only', () => {
  const sixBaselines = ['ours', 'ours-adaptive', 'sgd', 'adam', 'kfac-deepmind', 'kfac-kazuki'];
  assert.deepEqual(new Set(load('uci-energy').optimisers.map((o) => o.name)), new Set(OPTIMISER_NAMES));
  for (const f of ['fashion-mnist', 'svhn', 'cifar10']) {
    assert.deepEqual(new Set(load(f).optimisers.map((o) => o.name)), new Set(sixBaselines), f);
  }
});

test('Ours presets: committed-code and Table 3 values where they differ, and the code values in exact mode', () => {
  const uci = load('uci-energy');
  assert.deepEqual(pick(entry(uci, 'ours:code')), { K: 13, N: 3, lr: 1.58, momentum: 0.2299, damping: 0.06407 });
  assert.deepEqual(pick(entry(uci, 'ours:paper')), { K: 18, N: 8, lr: 1.79, momentum: 0.717, damping: 0.0244 });
  assert.deepEqual(pick(entry(uci, 'ours-adaptive:code')), { K: 16, N: 6, damping: 0.002322 });
  assert.deepEqual(pick(entry(uci, 'ours-adaptive:paper')), { K: 9, N: 4, damping: 1.46e-6 });
  const fm = load('fashion-mnist');
  assert.deepEqual(pick(entry(fm, 'ours:code')), { K: 3, N: 0, lr: 2.912, momentum: 0.01097, damping: 1.13e-5 });
  assert.deepEqual(pick(entry(fm, 'ours:paper')), { K: 13, N: 5, lr: 0.305, momentum: 0.428, damping: 0.0577 });
  assert.deepEqual(pick(entry(fm, 'ours-adaptive:code')), { K: 10, N: 1, damping: 1.809e-3 });
  assert.deepEqual(pick(entry(fm, 'ours-adaptive:paper')), { K: 14, N: 2, damping: 9.33e-2 });
  assert.deepEqual(pick(entry(load('svhn'), 'ours:code')), { K: 1, N: 0, lr: 0.1081, momentum: 0.3273, damping: 1.87e-4 });
  assert.deepEqual(pick(entry(load('cifar10'), 'ours-adaptive:code')), { K: 5, N: 2, damping: 1.04e-4 });
  for (const f of ['uci-energy', 'fashion-mnist', 'svhn', 'cifar10']) {
    for (const o of load(f).optimisers) {
      if (o.name === 'ours' || o.name === 'ours-adaptive') {
        const compat = o.preset === 'exact' ? 'exact' : 'reference';
        assert.equal(o.hyperparameters.compat, compat, `${f} ${o.label} compat`);
        assert.equal(o.hyperparameters.accelerator, 'sablonniere', `${f} ${o.label} accelerator`);
        assert.equal(o.hyperparameters.V0, 100);
      }
    }
  }
  for (const f of [uci, fm]) {
    for (const name of ['ours', 'ours-adaptive']) {
      assert.deepEqual(pick(entry(f, `${name}:exact`)), pick(entry(f, `${name}:code`)), `${f.name} ${name}:exact`);
    }
  }
});

test('baselines carry the committed tuned values', () => {
  const hp = (f: string, label: string) => entry(load(f), label).hyperparameters as Record<string, unknown>;
  assert.deepEqual(hp('uci-energy', 'sgd'), { lr: 0.09725 });
  assert.deepEqual(hp('uci-energy', 'adam'), { lr: 0.09201, eps: 0.05873, beta1: 0.8361, beta2: 0.7247 });
  assert.deepEqual(hp('fashion-mnist', 'adam'), { lr: 8.858e-4, eps: 4.03e-5, beta1: 0.9122, beta2: 0.99967 });
  assert.deepEqual(hp('cifar10', 'adam'), { lr: 7.7e-5, eps: 3.61e-4, beta1: 0.99734, beta2: 0.9999 });
  assert.equal(hp('svhn', 'sgd').lr, 0.01332);
  assert.equal(hp('uci-energy', 'kfac-deepmind').damping, 0.09276);
  assert.equal(hp('uci-energy', 'kfac-deepmind').curvatureEma, 0.95);
  assert.equal(hp('uci-energy', 'kfac-deepmind').burnIn, 0);
  const kazuki = hp('fashion-mnist', 'kfac-kazuki');
  assert.deepEqual([kazuki.lr, kazuki.momentum, kazuki.damping, kazuki.curvatureEma], [8.123e-3, 0.3419, 4.313e-3, 0]);
  // the `paper` presets: the reference code's configs/<setting>_cheap/ (the paper's Table 4)
  assert.equal(hp('uci-energy', 'kfac-deepmind:paper').damping, 6.97e-5);
  const kazukiPaper = hp('uci-energy', 'kfac-kazuki:paper');
  assert.deepEqual([kazukiPaper.lr, kazukiPaper.momentum, kazukiPaper.damping, kazukiPaper.curvatureEma], [0.0908813574, 0.26447181, 5.63e-6, 0]);
  assert.equal(hp('fashion-mnist', 'kfac-deepmind:paper').damping, 0.527373565167249);
  const fashionPaper = hp('fashion-mnist', 'kfac-kazuki:paper');
  assert.deepEqual([fashionPaper.lr, fashionPaper.momentum, fashionPaper.damping], [0.08678173597, 0.405766089, 0.2197808501]);
  const exact = hp('uci-energy', 'exact-sfn');
  assert.deepEqual(exact, { lr: 4.901e-3, momentum: 0.06381, smallEigLr: 1.544, threshold: 5.205e-4 });
  assert.equal(hp('uci-energy', 'exact-sfn-adaptive').damping, 0.01246);
  const lbfgs = hp('uci-energy', 'lbfgs');
  assert.deepEqual([lbfgs.historySize, lbfgs.maxIterations, lbfgs.maxEvaluations, lbfgs.lineSearchMaxEvaluations, lbfgs.gradientTolerance], [100, 20, 25, 20, 1e-5]);
});

function pick(o: OptimiserSpec): Record<string, unknown> {
  const hp = o.hyperparameters as Record<string, unknown>;
  const keys = o.name === 'ours' ? ['K', 'N', 'lr', 'momentum', 'damping'] : ['K', 'N', 'damping'];
  return Object.fromEntries(keys.map((k) => [k, hp[k]]));
}
