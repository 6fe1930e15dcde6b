import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundHalfEven, trainValSizes, VALIDATION_PROPORTION } from '../../src/data/split.js';
import { columnStats, standardiseRows } from '../../src/data/normalise.js';
import { REGISTRY } from '../../src/data/registry.js';

test('the reference split rule gives the reference sizes for every dataset', () => {
  const pools = { 'uci-energy': 692, 'fashion-mnist': 60000, svhn: 73257, cifar10: 50000 } as const;
  for (const [name, pool] of Object.entries(pools) as [keyof typeof pools, number][]) {
    const [train, val] = trainValSizes(pool, VALIDATION_PROPORTION[name]);
    assert.deepEqual([train, val], REGISTRY[name].splitRows.slice(0, 2), name);
  }
  // with an exact 1/6, numpy's round-half-even would give SVHN 61048/12209, not the reference 61047/12210
  assert.deepEqual(trainValSizes(73257, 1 / 6), [61048, 12209]);
});

test('roundHalfEven rounds ties to even like numpy.rint', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 2.4, 2.6, 61047.5, 7].map(roundHalfEven), [0, 2, 2, 2, 3, 61048, 7]);
  assert.throws(() => trainValSizes(10, 1), /validation proportion must be in \[0, 1\)/);
  assert.throws(() => trainValSizes(-1, 0.1), /non-negative integer/);
});

test('columnStats: unbiased std over the chosen rows, zero std replaced by 1', () => {
  // 3 columns, rows 1..3 used; column 2 is constant there
  const data = [100, 100, 100, 1, 10, 5, 2, 20, 5, 3, 60, 5, -100, -100, -100];
  const { mean, std } = columnStats(data, 3, 1, 4);
  assert.deepEqual(Array.from(mean), [2, 30, 5]);
  assert.ok(Math.abs(std[0] - 1) < 1e-15); // sqrt(((1-2)^2 + 0 + (3-2)^2) / 2)
  assert.ok(Math.abs(std[1] - Math.sqrt((400 + 100 + 900) / 2)) < 1e-12);
  assert.equal(std[2], 1);
  assert.throws(() => columnStats(data, 3, 0, 1), /at least 2 rows/);
});

test('standardiseRows: per column or per channel (statistics repeat over channels-last rows)', () => {
  const x = standardiseRows([1, 2, 3, 4], 2, 0, 2, [1, 2], [2, 4]);
  assert.deepEqual(Array.from(x), [0, 0, 1, 0.5]);
  // 2 pixels x 2 channels per row, channel statistics, values scaled first
  const y = standardiseRows([10, 20, 30, 40], 4, 0, 1, [1, 2], [1, 2], 0.1);
  assert.deepEqual(Array.from(y), [0, 0, 2, 1]);
  assert.throws(() => standardiseRows([1, 2, 3], 3, 0, 1, [0, 0], [1, 1]), /2 statistics do not divide 3 columns/);
});
