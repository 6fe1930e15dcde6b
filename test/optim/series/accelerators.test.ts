import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Float64VectorSpace } from '../../../src/optim/series/float64-vector-space.js';
import { accelerate, ACCELERATOR_NAMES } from '../../../src/optim/series/accelerators/index.js';
import { vectorEpsilon } from '../../../src/optim/series/accelerators/wynn-epsilon.js';
import { vectorPade } from '../../../src/optim/series/accelerators/vector-pade.js';
import { levinT } from '../../../src/optim/series/accelerators/levin-t.js';
import { Rng } from '../../../src/util/random.js';

const space = new Float64VectorSpace();
const maxDiff = (a: Float64Array, b: Float64Array): number => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
const randomVector = (rng: Rng, n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());

/** the whole epsilon table, straight from the definition (no memory saving) */
function fullEpsilonTable(sums: Float64Array[], order: number, modified: boolean): Float64Array {
  const table = new Map<string, Float64Array>();
  const n = sums.length;
  const zero = new Float64Array(sums[0].length);
  for (let m = 0; m < n; m++) {
    table.set(`${m},-1`, zero);
    table.set(`${m},0`, sums[m]);
  }
  table.set(`${n},-1`, zero);
  for (let c = 1; c <= 2 * order; c++) {
    for (let m = 0; m + c < n; m++) {
      const a = space.sub(table.get(`${m + 1},${c - 1}`)!, table.get(`${m},${c - 1}`)!);
      const weight = modified ? Math.floor(c / 2) + 1 : 1;
      table.set(`${m},${c}`, space.axpy(weight / space.dot(a, a), a, table.get(`${m + 1},${c - 2}`)!));
    }
  }
  return table.get(`0,${2 * order}`)!;
}

/** s_n = s + sum_i r_i^n x_i: N geometric modes with scalar ratios */
function geometricSums(rng: Rng, dim: number, ratios: number[], count: number): { limit: Float64Array; sums: Float64Array[] } {
  const limit = randomVector(rng, dim);
  const modes = ratios.map(() => randomVector(rng, dim));
  const sums = Array.from({ length: count }, (_, n) => {
    const s = Float64Array.from(limit);
    ratios.forEach((r, i) => {
      for (let j = 0; j < dim; j++) s[j] += r ** n * modes[i][j];
    });
    return s;
  });
  return { limit, sums };
}

test('memory-lean Wynn epsilon equals the full epsilon table (plain and Sablonniere)', async () => {
  const rng = new Rng(1);
  for (const order of [1, 2, 3, 4]) {
    const sums: Float64Array[] = [];
    let s = randomVector(rng, 7);
    for (let m = 0; m < 2 * order + 1; m++) {
      sums.push(s);
      s = space.axpy(0.7 ** m, randomVector(rng, 7), s);
    }
    for (const modified of [false, true]) {
      const lean = await vectorEpsilon(space, sums, order, { modified, guarded: true });
      const full = fullEpsilonTable(sums, order, modified);
      assert.ok(maxDiff(lean, full) <= 1e-12 * (1 + space.norm(full)), `order ${order} modified ${modified}`);
    }
  }
});

test('explicit order-1 epsilon: s1 + ((s2 - s1)^-1 - (s1 - s0)^-1)^-1 with the Samelson inverse', async () => {
  const inv = (a: Float64Array): Float64Array => space.scale(a, 1 / space.dot(a, a));
  const s = [Float64Array.from([1, 2]), Float64Array.from([1.5, 2.2]), Float64Array.from([1.7, 2.5])];
  const expected = space.add(s[1], inv(space.sub(inv(space.sub(s[2], s[1])), inv(space.sub(s[1], s[0])))));
  assert.ok(maxDiff(await vectorEpsilon(space, s, 1, { modified: false, guarded: true }), expected) < 1e-14);
  // only the last 2N+1 sums are used
  const longer = [Float64Array.from([9, 9]), ...s];
  assert.ok(maxDiff(await vectorEpsilon(space, longer, 1, { modified: false, guarded: true }), expected) < 1e-14);
});

test('Wynn epsilon and vector Pade are exact for N geometric modes (McLeod)', async () => {
  const rng = new Rng(2);
  for (const ratios of [[0.9], [0.95, -0.5], [0.99, 0.7, 0.3]]) {
    const N = ratios.length;
    const { limit, sums } = geometricSums(rng, 6, ratios, 2 * N + 1);
    for (const name of ['wynn', 'pade'] as const) {
      const r = await accelerate(space, name, sums, { order: N, firstIndex: 0 });
      assert.equal(r.fallbacks, 0);
      assert.ok(maxDiff(r.value, limit) < 1e-8, `${name} N=${N}: error ${maxDiff(r.value, limit)}`);
    }
  }
});

test('Sablonniere order 1 is exact for logarithmic s_n = s + x / (n + b); plain Wynn is not', async () => {
  const rng = new Rng(3);
  const limit = randomVector(rng, 5);
  const x = randomVector(rng, 5);
  const sums = [10, 11, 12].map((n) => space.axpy(1 / (n + 0.5), x, limit));
  const modified = await vectorEpsilon(space, sums, 1, { modified: true, guarded: true });
  const plain = await vectorEpsilon(space, sums, 1, { modified: false, guarded: true });
  assert.ok(maxDiff(modified, limit) < 1e-12);
  assert.ok(maxDiff(plain, limit) > 1e-3);
});

test('Levin t: exact on a geometric vector sequence (also alternating), Aitken at order 1', async () => {
  const rng = new Rng(4);
  for (const r of [0.8, -0.6]) {
    const { limit, sums } = geometricSums(rng, 4, [r], 5);
    for (const order of [1, 2]) {
      const value = await levinT(space, sums, order, 0);
      assert.ok(maxDiff(value, limit) < 1e-10, `ratio ${r}, order ${order}`);
    }
  }
  // scalar sequences: Levin order 1 = Aitken = Wynn order 1
  const scalar = [1, 1.5, 1.6].map((x) => Float64Array.of(x));
  const aitken = 1.6 - (0.1 * 0.1) / (0.1 - 0.5);
  assert.ok(Math.abs((await levinT(space, scalar, 1, 7))[0] - aitken) < 1e-14);
  assert.ok(Math.abs((await vectorEpsilon(space, scalar, 1, { modified: false, guarded: true }))[0] - aitken) < 1e-14);
});

test('for scalar sequences vector Pade is the classical Pade / Shanks transformation (= Wynn epsilon)', async () => {
  const partial: Float64Array[] = [];
  let s = 0;
  for (let k = 0; k < 9; k++) {
    s += (-1) ** k / (k + 1); // log 2
    partial.push(Float64Array.of(s));
  }
  for (const order of [1, 2, 3, 4]) {
    const pade = (await vectorPade(space, partial, order))[0];
    const wynn = (await vectorEpsilon(space, partial, order, { modified: false, guarded: true }))[0];
    assert.ok(Math.abs(pade - wynn) < 1e-10, `order ${order}: ${pade} vs ${wynn}`);
  }
  assert.ok(Math.abs((await vectorPade(space, partial, 4))[0] - Math.LN2) < 1e-6);
});

test('zero or non-finite denominators fall back to the last partial sum and are counted', async () => {
  const constant = [1, 2, 3, 4, 5].map(() => Float64Array.from([1, 2, 3]));
  for (const name of ['wynn', 'sablonniere', 'levin', 'pade'] as const) {
    const r = await accelerate(space, name, constant, { order: 2, firstIndex: 3 });
    assert.equal(r.fallbacks, 1, name);
    assert.match(r.reason ?? '', /./);
    assert.deepEqual(Array.from(r.value), [1, 2, 3]);
    assert.notEqual(r.value, constant[4], 'a copy, owned by the caller');
  }
  const withNaN = [Float64Array.of(1, 1), Float64Array.of(2, NaN), Float64Array.of(3, 1)];
  for (const name of ['wynn', 'sablonniere', 'levin', 'pade'] as const) {
    const r = await accelerate(space, name, withNaN, { order: 1, firstIndex: 0 });
    assert.equal(r.fallbacks, 1, name);
    assert.deepEqual(Array.from(r.value), [3, 1]);
  }
});

test("compat 'reference' runs plain unguarded Wynn epsilon whatever the name", async () => {
  const rng = new Rng(5);
  const sums = [0, 1, 2, 3, 4].map(() => randomVector(rng, 3));
  const wynn = (await accelerate(space, 'wynn', sums, { order: 2, firstIndex: 0 })).value;
  for (const name of ACCELERATOR_NAMES) {
    const r = await accelerate(space, name, sums, { order: 2, firstIndex: 0, compat: 'reference' });
    assert.equal(r.fallbacks, 0);
    assert.ok(maxDiff(r.value, wynn) < 1e-12, name);
  }
  const constant = [1, 2, 3].map(() => Float64Array.from([1, 2]));
  const broken = await accelerate(space, 'sablonniere', constant, { order: 1, firstIndex: 0, compat: 'reference' });
  assert.equal(broken.fallbacks, 0);
  assert.ok(broken.value.some((x) => !Number.isFinite(x)), 'no guard: the zero denominator propagates');
});

test("'none' and order 0 return a copy of the last partial sum; bad requests are explained", async () => {
  const sums = [Float64Array.of(1), Float64Array.of(2), Float64Array.of(3)];
  for (const name of ACCELERATOR_NAMES) {
    const r = await accelerate(space, name, sums, { order: 0, firstIndex: 0 });
    assert.deepEqual(Array.from(r.value), [3]);
  }
  assert.deepEqual(Array.from((await accelerate(space, 'none', sums, { order: 1, firstIndex: 0 })).value), [3]);
  await assert.rejects(() => accelerate(space, 'wynn', sums, { order: 2, firstIndex: 0 }), /needs 2N\+1 = 5 partial sums, got 3/);
  await assert.rejects(() => accelerate(space, 'shanks' as never, sums, { order: 1, firstIndex: 0 }), /unknown accelerator 'shanks'.*wynn/);
  await assert.rejects(() => accelerate(space, 'wynn', sums, { order: -1, firstIndex: 0 }), /integer >= 0/);
});
