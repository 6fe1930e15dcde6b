import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildFashionMnist, type FashionFiles } from '../../src/data/loaders/fashion-mnist.js';
import { FIXTURES } from './helpers/fixtures.js';

// The first 120 training and 30 test images of Fashion-MNIST, in the real gzipped IDX format
// (test/fixtures/fashion-mnist/SOURCES.md). The loader treats them as it treats the full files:
// the training file is the pool, its last sixth (20 rows) the validation set.
const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, 'fashion-mnist', name));
const files: FashionFiles = {
  trainImages: fixture('train-images-idx3-ubyte.gz'),
  trainLabels: fixture('train-labels-idx1-ubyte.gz'),
  testImages: fixture('t10k-images-idx3-ubyte.gz'),
  testLabels: fixture('t10k-labels-idx1-ubyte.gz'),
};
const trainLabels = gunzipSync(files.trainLabels).subarray(8);
const testLabels = gunzipSync(files.testLabels).subarray(8);
const trainPixels = gunzipSync(files.trainImages).subarray(16);
const d = buildFashionMnist(files);
const POOL = 120;

test('Fashion-MNIST split sizes and shapes', () => {
  assert.equal(d.task, 'classification');
  assert.equal(d.classes, 10);
  assert.deepEqual([d.train.rows, d.val.rows, d.test.rows], [100, 20, 30]);
  for (const s of [d.train, d.val, d.test]) {
    assert.deepEqual(s.inputShape, [784]);
    assert.deepEqual(s.targetShape, []);
    assert.equal(s.x.length, s.rows * 784);
    assert.equal(s.y.length, s.rows);
  }
});

test('validation is the last sixth of the training file, in file order; test is t10k', () => {
  assert.deepEqual(Array.from(d.train.y), Array.from(trainLabels.subarray(0, 100)));
  assert.deepEqual(Array.from(d.val.y), Array.from(trainLabels.subarray(100)));
  assert.deepEqual(Array.from(d.test.y), Array.from(testLabels));
  assert.equal(d.train.y[0], 9); // the first training image is an ankle boot
  assert.deepEqual(Array.from(d.train.y.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
});

test('pixels standardised per pixel with the pool statistics (train + validation)', () => {
  for (const p of [0, 100, 406, 783]) {
    let s = 0;
    for (let r = 0; r < POOL; r++) s += trainPixels[r * 784 + p];
    const m = s / POOL;
    let v = 0;
    for (let r = 0; r < POOL; r++) v += (trainPixels[r * 784 + p] - m) ** 2;
    const sd = Math.sqrt(v / (POOL - 1)) || 1;
    assert.ok(Math.abs(d.stats.inputMean[p] - m) < 1e-9, `mean of pixel ${p}`);
    assert.ok(Math.abs(d.stats.inputStd[p] - sd) < 1e-9, `std of pixel ${p}`);
    for (const [split, row, rawRow] of [[d.train, 0, 0], [d.train, 99, 99], [d.val, 0, 100]] as const) {
      const want = (trainPixels[rawRow * 784 + p] - m) / sd;
      assert.ok(Math.abs(split.x[row * 784 + p] - want) < 1e-5, `pixel ${p} of raw row ${rawRow}`);
    }
  }
  // over the pool every pixel has mean ~0 and unbiased std ~1, or is constant (std taken as 1, values 0)
  const sum = new Float64Array(784);
  const sq = new Float64Array(784);
  for (const s of [d.train, d.val]) {
    for (let i = 0; i < s.x.length; i++) {
      sum[i % 784] += s.x[i];
      sq[i % 784] += s.x[i] * s.x[i];
    }
  }
  for (let p = 0; p < 784; p++) {
    const m = sum[p] / POOL;
    const sd = Math.sqrt((sq[p] - POOL * m * m) / (POOL - 1));
    assert.ok(Math.abs(m) < 1e-5, `pixel ${p} pool mean ${m}`);
    assert.ok(Math.abs(sd - 1) < 1e-4 || (sd < 1e-6 && d.stats.inputStd[p] === 1), `pixel ${p} pool std ${sd}`);
  }
});

test('bad Fashion-MNIST files give errors naming the file', () => {
  const labels = gunzipSync(files.trainLabels);
  const badLabel = Buffer.from(labels);
  badLabel[8 + 5] = 12;
  assert.throws(() => buildFashionMnist({ ...files, trainLabels: gzipSync(badLabel) }), /train-labels-idx1-ubyte\.gz: label 12 at row 5 is not a class 0\.\.9/);
  const fewer = Buffer.from(labels.subarray(0, 8 + 119));
  fewer.writeUInt32BE(119, 4);
  assert.throws(() => buildFashionMnist({ ...files, trainLabels: gzipSync(fewer) }), /train-labels-idx1-ubyte\.gz/);
});
