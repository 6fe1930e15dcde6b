import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SearchSpace } from '../../src/config/search-space.js';
import { sampleConfigurations } from '../../src/tune/sampler.js';

const space: SearchSpace = {
  optimiser: 'ours',
  params: [
    { name: 'K', dist: { kind: 'intUniform', low: 1, high: 20 } },
    { name: 'N', dist: { kind: 'accelerationOrder', of: 'K' } },
    { name: 'damping', dist: { kind: 'logUniform', low: 1e-8, high: 1 } },
    { name: 'momentum', dist: { kind: 'oneMinusLogUniform', low: 1e-4, high: 1 } },
    { name: 'lr', dist: { kind: 'uniform', low: 0.5, high: 2 } },
    { name: 'batchSize', dist: { kind: 'choice', values: [50, 100, 200] } },
    { name: 'compat', dist: { kind: 'fixed', value: 'exact' } },
  ],
};
const N = 4000;
const samples = sampleConfigurations(space, 7, N);
const column = (key: string) => samples.map((s) => s[key] as number);

test('the same seed gives the same configurations; a longer study starts with the shorter one', () => {
  assert.deepEqual(sampleConfigurations(space, 7, 50), samples.slice(0, 50));
  assert.notDeepEqual(sampleConfigurations(space, 8, 50), samples.slice(0, 50));
  assert.equal(Object.keys(samples[0]).join(','), 'K,N,damping,momentum,lr,batchSize,compat');
  // pinned values: the sampler (and the platform-independent generator under it) must not drift,
  // or the same seed would give another study on another machine or version
  const pinned: SearchSpace = {
    optimiser: 'sgd',
    params: [
      { name: 'lr', dist: { kind: 'logUniform', low: 1e-6, high: 1 } },
      { name: 'K', dist: { kind: 'intUniform', low: 1, high: 20 } },
    ],
  };
  assert.deepEqual(sampleConfigurations(pinned, 0, 2), [
    { lr: 0.00006397486754368952, K: 10 },
    { lr: 0.15260220061340124, K: 15 },
  ]);
});

test('log-uniform: inside the bounds, uniform in the logarithm', () => {
  const d = column('damping');
  assert.ok(d.every((x) => x >= 1e-8 && x <= 1));
  const logs = d.map((x) => Math.log10(x));
  // uniform on [-8, 0]: mean -4, and each of the 8 decades holds about 1/8 of the draws
  const mean = logs.reduce((a, b) => a + b, 0) / N;
  assert.ok(Math.abs(mean - -4) < 0.15, `mean log10 ${mean}`);
  for (let decade = -8; decade < 0; decade++) {
    const share = logs.filter((l) => l >= decade && l < decade + 1).length / N;
    assert.ok(Math.abs(share - 1 / 8) < 0.03, `decade ${decade}: ${share}`);
  }
});

test('1 - log-uniform (Adam\'s betas): 1 - x is log-uniform on its range', () => {
  const m = column('momentum');
  assert.ok(m.every((x) => x >= 0 && x <= 1 - 1e-4));
  const logs = m.map((x) => Math.log10(1 - x));
  const mean = logs.reduce((a, b) => a + b, 0) / N;
  assert.ok(Math.abs(mean - -2) < 0.1, `mean log10(1 - x) ${mean}`);
});

test('uniform: inside the bounds, mean in the middle', () => {
  const lr = column('lr');
  assert.ok(lr.every((x) => x >= 0.5 && x < 2));
  const mean = lr.reduce((a, b) => a + b, 0) / N;
  assert.ok(Math.abs(mean - 1.25) < 0.03, `mean ${mean}`);
});

test('integers: both ends included, every value about equally often', () => {
  const k = column('K');
  assert.ok(k.every((x) => Number.isInteger(x) && x >= 1 && x <= 20));
  for (let v = 1; v <= 20; v++) {
    const share = k.filter((x) => x === v).length / N;
    assert.ok(Math.abs(share - 1 / 20) < 0.015, `K = ${v}: ${share}`);
  }
});

test('the dependent range: N in [0, floor((K - 1) / 2)], each value of it reached', () => {
  for (const s of samples) {
    const K = s.K as number;
    const n = s.N as number;
    assert.ok(Number.isInteger(n) && n >= 0 && n <= Math.floor((K - 1) / 2), `K ${K} N ${n}`);
    assert.ok(K >= 2 * n + 1);
  }
  const withK20 = samples.filter((s) => s.K === 20).map((s) => s.N as number);
  assert.deepEqual([...new Set(withK20)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(samples.filter((s) => s.K === 1 || s.K === 2).every((s) => s.N === 0));
});

test('choices and fixed values', () => {
  const b = column('batchSize');
  for (const v of [50, 100, 200]) {
    const share = b.filter((x) => x === v).length / N;
    assert.ok(Math.abs(share - 1 / 3) < 0.03, `${v}: ${share}`);
  }
  assert.ok(samples.every((s) => s.compat === 'exact'));
});
