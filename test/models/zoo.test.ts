import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_NAMES, modelByName } from '../../src/models/zoo.js';
import { parameterCount } from '../../src/models/spec.js';

test('parameter counts of every model (the reference\'s, batch-norm scales and offsets included)', () => {
  const counts = Object.fromEntries(MODEL_NAMES.map((name) => [name, parameterCount(modelByName(name).spec)]));
  assert.deepEqual(counts, {
    'uci-mlp': 1057,
    'uci-mlp-tanh': 1057,
    'fmnist-mlp': 39760,
    'small-convnet': 251,
    resnet18: 11181642,
    'resnet18-cifar': 11173962,
  });
});

test('an unknown model name lists the known ones', () => {
  assert.throws(() => modelByName('vgg'), /vgg.*uci-mlp/);
});
