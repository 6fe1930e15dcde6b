import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDifferences } from '../../src/report/differences.js';

const base = { dataset: 'uci-energy', model: 'uci-mlp', epochs: 300, batchSize: 'full', maxSteps: null, timeBudgetSeconds: null, evalInterval: 1 };

test('configurations are named by the fields that differ, in words, known fields first', () => {
  const labels = describeDifferences(new Map<number, unknown>([[1, base], [2, { ...base, epochs: 1 }], [3, { ...base, epochs: 200 }]]));
  assert.deepEqual([...labels], [[1, '300 epochs'], [2, '1 epoch'], [3, '200 epochs']]);
  const budget = describeDifferences(new Map<string, unknown>([['a', base], ['b', { ...base, maxSteps: 40, timeBudgetSeconds: 60, batchSize: 128 }]]));
  assert.deepEqual([...budget.values()], ['no step limit, no time budget, full batch', 'at most 40 steps, time budget 60 s, batch size 128']);
  const hyper = describeDifferences(new Map<string, unknown>([['x', { ...base, hyperparameters: { lr: 0.01, beta1: 0.9 } }], ['y', { ...base, hyperparameters: { lr: 1e-5, beta1: 0.9, eps: 1e-8 } }]]));
  assert.deepEqual([...hyper.values()], ['eps unset, lr 0.01', 'eps 1e-8, lr 1e-5']);
});

test('many differences are counted beyond three; labels that would collide get the key; one configuration needs no label', () => {
  const many = describeDifferences(new Map([[1, { a: 1, b: 1, c: 1, d: 1, e: 1 }], [2, { a: 2, b: 2, c: 2, d: 2, e: 2 }]]));
  assert.deepEqual([...many.values()], ['a 1, b 1, c 1, +2 more', 'a 2, b 2, c 2, +2 more']);
  const collide = describeDifferences(new Map<number, unknown>([[1, { a: 1, b: 1, c: 1, d: 1 }], [2, { a: 1, b: 1, c: 1, d: 2 }], [3, { a: 2, b: 1, c: 1, d: 1 }], [4, { a: 2, b: 2, c: 2, d: 2 }]]));
  assert.deepEqual([...collide.values()], ['a 1, b 1, c 1, +1 more, #1', 'a 1, b 1, c 1, +1 more, #2', 'a 2, b 1, c 1, +1 more', 'a 2, b 2, c 2, +1 more']);
  assert.deepEqual([...describeDifferences(new Map([[7, base], [8, base]])).values()], ['#7', '#8']);
  assert.deepEqual([...describeDifferences(new Map([[7, base]])).values()], ['']);
  assert.deepEqual([...describeDifferences(new Map<number, unknown>([[1, { list: [1, 2] }], [2, { list: [1, 3] }]])).values()], ['list [1,2]', 'list [1,3]']);
});
