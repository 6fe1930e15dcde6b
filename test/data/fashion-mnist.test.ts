import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset } from '../../src/data/types.js';
import { SHARED_DATASETS } from './helpers/shared-data.js';

// Parsed once for the whole file (about a second).
let d: Dataset;
let dir: string;
const rawFile = (name: string): Buffer => gunzipSync(readFileSync(path.join(SHARED_DATASETS, 'fashion-mnist', name)));
const trainLabels = rawFile('train-labels-idx1-ubyte.gz').subarray(8);
const testLabels = rawFile('t10k-labels-idx1-ubyte.gz').subarray(8);
const trainPixels = rawFile('train-images-idx3-ubyte.gz').subarray(16);

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sfn-fmnist-'));
  d = await loadDataset('fashion-mnist', { dataDir: dir, mirror: SHARED_DATASETS });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('Fashion-MNIST split sizes and shapes', () => {
  assert.equal(d.task, 'classification');
  assert.equal(d.classes, 10);
  assert.deepEqual([d.train.rows, d.val.rows, d.test.rows], [50000, 10000, 10000]);
  for (const s of [d.train, d.val, d.test]) {
    assert.deepEqual(s.inputShape, [784]);
    assert.deepEqual(s.targetShape, []);
    assert.equal(s.x.length, s.rows * 784);
    assert.equal(s.y.length, s.rows);
  }
});

test('validation is the last 10,000 training-file rows, in file order; test is t10k', () => {
  assert.deepEqual(Array.from(d.train.y.subarray(0, 5)), Array.from(trainLabels.subarray(0, 5)));
  assert.deepEqual(Array.from(d.val.y), Array.from(trainLabels.subarray(50000)));
  assert.deepEqual(Array.from(d.test.y), Array.from(testLabels));
  assert.equal(d.train.y[0], 9); // the first training image is an ankle boot
  const counts = new Array(10).fill(0);
  for (const v of d.test.y) counts[v]++;
  assert.deepEqual(counts, new Array(10).fill(1000));
});

test('pixels standardised per pixel with the 60,000-row pool statistics', () => {
  const pool = 60000;
  // pool statistics computed here from the raw bytes, for a few pixels
  for (const p of [0, 100, 406, 783]) {
    let s = 0;
    for (let r = 0; r < pool; r++) s += trainPixels[r * 784 + p];
    const m = s / pool;
    let v = 0;
    for (let r = 0; r < pool; r++) v += (trainPixels[r * 784 + p] - m) ** 2;
    const sd = Math.sqrt(v / (pool - 1)) || 1;
    assert.ok(Math.abs(d.stats.inputMean[p] - m) < 1e-9, `mean of pixel ${p}`);
    assert.ok(Math.abs(d.stats.inputStd[p] - sd) < 1e-9, `std of pixel ${p}`);
    // first and last training rows, first validation row
    for (const [split, row, rawRow] of [[d.train, 0, 0], [d.train, 49999, 49999], [d.val, 0, 50000]] as const) {
      const want = (trainPixels[rawRow * 784 + p] - m) / sd;
      assert.ok(Math.abs(split.x[row * 784 + p] - want) < 1e-5, `pixel ${p} of raw row ${rawRow}`);
    }
  }
  // over the pool (train + validation) every pixel has mean ~0 and unbiased std ~1 (or is constant)
  const sum = new Float64Array(784);
  const sq = new Float64Array(784);
  for (const s of [d.train, d.val]) {
    for (let i = 0; i < s.x.length; i++) {
      sum[i % 784] += s.x[i];
      sq[i % 784] += s.x[i] * s.x[i];
    }
  }
  for (let p = 0; p < 784; p++) {
    const m = sum[p] / pool;
    const sd = Math.sqrt((sq[p] - pool * m * m) / (pool - 1));
    assert.ok(Math.abs(m) < 1e-4, `pixel ${p} pool mean ${m}`);
    assert.ok(Math.abs(sd - 1) < 1e-3, `pixel ${p} pool std ${sd}`);
  }
});
