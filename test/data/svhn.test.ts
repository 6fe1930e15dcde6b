import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSvhn, parseSvhnMat } from '../../src/data/loaders/svhn.js';
import { readMat } from '../../src/data/parsers/mat-v5.js';
import { writeMat, type MatInput } from './helpers/mat-writer.js';

/** Pixel of image `id` at (row, col, channel); varied so any transposition mistake shows. */
const pixel = (id: number, r: number, c: number, ch: number): number => (id * 37 + r * 5 + c * 11 + ch * 67) % 256;
/** MATLAB labels 1..10, 10 meaning digit 0. */
const matLabel = (id: number): number => (id % 10) + 1;

function svhnVars(firstId: number, n: number, yStorage: 2 | 9): MatInput[] {
  const x = new Uint8Array(32 * 32 * 3 * n);
  for (let k = 0; k < n; k++) {
    for (let ch = 0; ch < 3; ch++) {
      for (let c = 0; c < 32; c++) for (let r = 0; r < 32; r++) x[r + 32 * c + 1024 * ch + 3072 * k] = pixel(firstId + k, r, c, ch);
    }
  }
  const y = Array.from({ length: n }, (_, k) => matLabel(firstId + k));
  return [
    { name: 'X', classId: 9, dims: [32, 32, 3, n], values: x, storage: 2 },
    // MATLAB saves y as a double array, stored compactly as uint8 bytes
    { name: 'y', classId: 6, dims: [n, 1], values: y, storage: yStorage },
  ];
}

test('MAT v5 reader: compressed and plain elements, stored type kept, small name elements', () => {
  for (const compress of [true, false]) {
    const extra: MatInput = { name: 'a_longer_name', classId: 6, dims: [1, 3], values: [0.5, -2, 1e300], storage: 9 };
    const vars = readMat(writeMat([...svhnVars(0, 3, 9), extra], { compress }), 'm.mat');
    assert.deepEqual([...vars.keys()], ['X', 'y', 'a_longer_name']);
    assert.deepEqual(Array.from(vars.get('a_longer_name')!.data), [0.5, -2, 1e300]);
    const X = vars.get('X')!;
    assert.equal(X.className, 'uint8');
    assert.deepEqual(X.dims, [32, 32, 3, 3]);
    assert.ok(X.data instanceof Uint8Array);
    assert.equal(X.data[1 + 32 * 2 + 1024 * 1 + 3072 * 2], pixel(2, 1, 2, 1));
    const y = vars.get('y')!;
    assert.equal(y.className, 'double');
    assert.ok(y.data instanceof Float64Array);
    assert.deepEqual(Array.from(y.data), [1, 2, 3]);
  }
});

test('SVHN from real-format .mat files: labels 10 -> 0, channels-last, per-element pool statistics', () => {
  const train = writeMat(svhnVars(0, 12, 2), { compress: true });
  const testFile = writeMat(svhnVars(50, 5, 9), { compress: true });
  const d = buildSvhn(train, testFile);
  // pool of 12: first rint(12 * (1 - 0.1666666667)) = 10 rows train, the last 2 validate
  assert.deepEqual([d.train.rows, d.val.rows, d.test.rows], [10, 2, 5]);
  assert.deepEqual(d.train.inputShape, [32, 32, 3]);
  assert.deepEqual(Array.from(d.train.y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  assert.deepEqual(Array.from(d.val.y), [1, 2]);
  assert.deepEqual(Array.from(d.test.y), [1, 2, 3, 4, 5]);

  for (const [r, c, ch] of [[0, 0, 0], [0, 31, 2], [7, 3, 1], [31, 31, 2]]) {
    const values = Array.from({ length: 12 }, (_, id) => pixel(id, r, c, ch));
    const m = values.reduce((a, b) => a + b, 0) / 12;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / 11) || 1;
    const e = (r * 32 + c) * 3 + ch;
    assert.ok(Math.abs(d.stats.inputMean[e] - m) < 1e-9);
    assert.ok(Math.abs(d.stats.inputStd[e] - sd) < 1e-9);
    const check = (x: Float32Array, row: number, id: number): void => {
      const want = (pixel(id, r, c, ch) - m) / sd;
      assert.ok(Math.abs(x[row * 3072 + e] - want) < 1e-5, `image ${id} (${r}, ${c}, ${ch}): ${x[row * 3072 + e]} vs ${want}`);
    };
    check(d.train.x, 0, 0);
    check(d.train.x, 9, 9);
    check(d.val.x, 1, 11);
    check(d.test.x, 4, 54);
  }
});

test('SVHN and MAT errors name the file and what is wrong', () => {
  const ok = svhnVars(0, 2, 2);
  assert.throws(() => parseSvhnMat(writeMat([ok[1]], { compress: true }), 's.mat'), /s\.mat: MAT-file has no numeric variable "X" \(it has: y\)/);
  const wrongDims: MatInput = { ...ok[0], dims: [32, 32, 6], values: ok[0].values };
  assert.throws(() => parseSvhnMat(writeMat([wrongDims, ok[1]], { compress: false }), 's.mat'), /variable "X" has 3 dimensions \[32, 32, 6\], expected 4/);
  const shortY: MatInput = { ...ok[1], dims: [1, 1], values: [3] };
  assert.throws(() => parseSvhnMat(writeMat([ok[0], shortY], { compress: true }), 's.mat'), /y is \[1, 1\], expected \[2, 1\]/);
  const zeroLabel: MatInput = { ...ok[1], values: [0, 4] };
  assert.throws(() => parseSvhnMat(writeMat([ok[0], zeroLabel], { compress: true }), 's.mat'), /label 0 at row 0 is not in 1\.\.10/);
  const inconsistent: MatInput = { ...ok[0], dims: [32, 32, 3, 3] };
  assert.throws(() => readMat(writeMat([inconsistent], { compress: true }), 's.mat'), /"X" has 6144 values for dimensions \[32, 32, 3, 3\]/);
  assert.throws(() => readMat(writeMat(ok, { compress: true, headerText: 'MATLAB 7.3 MAT-file' }), 's.mat'), /version 7\.3 \(HDF5\) is not supported/);
  assert.throws(() => readMat(writeMat(ok, { compress: true, endian: 'MI' }), 's.mat'), /big-endian MAT-files are not supported/);
  assert.throws(() => readMat(new Uint8Array(200), 's.mat'), /not a MATLAB MAT-file/);
  const file = writeMat(ok, { compress: true });
  assert.throws(() => readMat(file.subarray(0, file.length - 40), 's.mat'), /runs past the end|compressed element is corrupt/);
});
