import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchesPerEpoch, epochBatches, epochOrder, epochSeed, type BatchOptions } from '../../src/data/batches.js';
import type { Split } from '../../src/data/types.js';

/** Row i has x = [i, i + 0.5] and y = [i], so each batch row says where it came from. */
function split(rows: number): Split {
  const x = new Float32Array(rows * 2);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = i + 0.5;
    y[i] = i;
  }
  return { x, y, rows, inputShape: [2], targetShape: [1] };
}

const collect = (s: Split, o: BatchOptions, epoch: number) => [...epochBatches(s, o, epoch)];

test('each epoch covers every row once, rows keep their x and y together', () => {
  const s = split(23);
  for (const padding of ['none', 'last', 'reference'] as const) {
    const batches = collect(s, { batchSize: 5, seed: 7, padding }, 3);
    const seen: number[] = [];
    for (const b of batches) {
      for (let k = 0; k < b.rows; k++) {
        if (b.mask[k] === 0) {
          assert.deepEqual([b.x[2 * k], b.x[2 * k + 1], b.y[k]], [0, 0, 0], 'padding rows are zero');
          continue;
        }
        assert.equal(b.x[2 * k + 1], b.x[2 * k] + 0.5);
        assert.equal(b.y[k], b.x[2 * k]);
        seen.push(b.y[k]);
      }
      assert.equal(b.realRows, b.mask.reduce((a, v) => a + v, 0));
    }
    assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i), padding);
  }
});

test('batch counts and padding modes', () => {
  const s = split(23);
  const none = collect(s, { batchSize: 5, seed: 1 }, 0);
  assert.deepEqual(none.map((b) => b.rows), [5, 5, 5, 5, 3]);
  assert.ok(none.every((b) => b.realRows === b.rows));
  const last = collect(s, { batchSize: 5, seed: 1, padding: 'last' }, 0);
  assert.deepEqual(last.map((b) => b.rows), [5, 5, 5, 5, 5]);
  assert.deepEqual(Array.from(last[4].mask), [1, 1, 1, 0, 0]);
  assert.deepEqual(last.slice(0, 4).map((b) => b.realRows), [5, 5, 5, 5]);
  // the same real rows in the same order as without padding
  assert.deepEqual(last.flatMap((b) => Array.from(b.y.subarray(0, b.realRows))), none.flatMap((b) => Array.from(b.y)));
  const ref = collect(s, { batchSize: 5, seed: 1, padding: 'reference' }, 0);
  assert.deepEqual(ref.map((b) => b.rows), [5, 5, 5, 5, 5]);
  assert.equal(ref.reduce((a, b) => a + b.realRows, 0), 23);
  // reference quirk: a multiple of the batch size still gets a whole batch of padding
  assert.equal(batchesPerEpoch(20, { batchSize: 5, seed: 1, padding: 'reference' }), 5);
  assert.equal(batchesPerEpoch(20, { batchSize: 5, seed: 1, padding: 'last' }), 4);
  assert.equal(batchesPerEpoch(20, { batchSize: 5, seed: 1 }), 4);
  assert.equal(batchesPerEpoch(50000, { batchSize: 50, seed: 1, padding: 'reference' }), 1001);
  // with reference padding the masked rows are spread over the batches, differently each epoch
  const spread = new Set<number>();
  for (let e = 0; e < 20; e++) collect(s, { batchSize: 5, seed: 1, padding: 'reference' }, e).forEach((b, i) => b.realRows < 5 && spread.add(i));
  assert.ok(spread.size > 1, 'padding rows land in different batches');
});

test('full batch when batch size >= rows: the split itself, unpadded', () => {
  const s = split(10);
  for (const padding of ['none', 'last', 'reference'] as const) {
    const batches = collect(s, { batchSize: 692, seed: 3, padding }, 5);
    assert.equal(batches.length, 1);
    assert.equal(batches[0].x, s.x);
    assert.equal(batches[0].y, s.y);
    assert.equal(batches[0].rows, 10);
    assert.deepEqual(Array.from(batches[0].mask), new Array(10).fill(1));
  }
  assert.equal(batchesPerEpoch(10, { batchSize: 10, seed: 3 }), 1);
});

test('seeded order: deterministic, different per epoch and per seed, no shuffle on request', () => {
  const s = split(40);
  const order = (seed: number, epoch: number): number[] => collect(s, { batchSize: 8, seed }, epoch).flatMap((b) => Array.from(b.y));
  assert.deepEqual(order(11, 2), order(11, 2));
  assert.notDeepEqual(order(11, 2), order(11, 3));
  assert.notDeepEqual(order(11, 2), order(12, 2));
  assert.notDeepEqual(order(11, 0), Array.from({ length: 40 }, (_, i) => i));
  const plain = collect(s, { batchSize: 8, seed: 11, shuffle: false }, 4).flatMap((b) => Array.from(b.y));
  assert.deepEqual(plain, Array.from({ length: 40 }, (_, i) => i));
  assert.deepEqual(Array.from(epochOrder(40, 11, 2)), order(11, 2));
  // seeds above 2^32 still matter
  assert.notEqual(epochSeed(2 ** 32 + 5, 0), epochSeed(5, 0));
  // a permutation is a permutation
  assert.deepEqual(Array.from(epochOrder(1000, 9, 9)).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
});

test('bad batch options are refused with a clear message', () => {
  const s = split(4);
  assert.throws(() => collect(s, { batchSize: 0, seed: 1 }, 0), /batch size must be a positive integer, got 0/);
  assert.throws(() => collect(s, { batchSize: 2.5, seed: 1 }, 0), /batch size must be a positive integer/);
  assert.throws(() => collect(s, { batchSize: 2, seed: 0.5 }, 0), /batch seed must be an integer/);
  assert.throws(() => collect(s, { batchSize: 2, seed: 1, padding: 'wrap' as never }, 0), /padding must be 'none', 'last' or 'reference'/);
  assert.throws(() => collect({ ...s, rows: 0, x: new Float32Array(0), y: new Float32Array(0) }, { batchSize: 2, seed: 1 }, 0), /empty split/);
});
