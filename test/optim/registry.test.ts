import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OptimiserName } from '../../src/config/hyperparameters.js';
import { IMPLEMENTED_OPTIMISERS } from '../../src/config/implemented.js';
import { createOptimizer, isRegistered, registeredOptimisers } from '../../src/optim/registry.js';

test('the registry builds optimisers from validated hyperparameters', () => {
  const ctx = { parameterCount: 3, seed: 0 };
  assert.equal(createOptimizer({ name: 'sgd', hyperparameters: { lr: 0.1 } }, ctx).name, 'sgd');
  assert.equal(createOptimizer({ name: 'adam', hyperparameters: { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 } }, ctx).name, 'adam');
  assert.ok(isRegistered('adam'));
  assert.ok(!isRegistered('lbfgs-typo'));
});

test('an optimiser without an implementation is refused by name', () => {
  const name = 'not-built-yet' as OptimiserName;
  assert.throws(
    () => createOptimizer({ name, hyperparameters: {} as never }, { parameterCount: 1, seed: 0 }),
    /"not-built-yet" is not implemented yet \(implemented: .*adam/,
  );
});

test('the registry and the config gate list the same optimisers', () => {
  assert.deepEqual([...registeredOptimisers()].sort(), [...IMPLEMENTED_OPTIMISERS].sort());
});
