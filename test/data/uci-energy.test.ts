import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildUciEnergy } from '../../src/data/loaders/uci-energy.js';
import { loadDataset } from '../../src/data/load.js';
import { BUILT_IN_DATA } from './helpers/fixtures.js';

const dataText = readFileSync(path.join(BUILT_IN_DATA, 'uci-energy/data.txt'), 'utf8');
const permText = readFileSync(path.join(BUILT_IN_DATA, 'uci-energy/permutation_indices.txt'), 'utf8');

// The expected splits, computed here from the raw text in the plainest way.
const raw = dataText.trim().split('\n').map((line) => line.trim().split('\t').map(Number));
const perm = permText.trim().split('\n').map(Number);
const permuted = perm.map((i) => raw[i]);
const pool = permuted.slice(0, 692);
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sampleStd = (v: number[]): number => {
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};
const featureMean = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => mean(pool.map((r) => r[j])));
const featureStd = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => sampleStd(pool.map((r) => r[j])));
const targetMean = mean(pool.map((r) => r[8]));
const targetStd = sampleStd(pool.map((r) => r[8]));
const expectedRow = (r: number[]): { x: number[]; y: number } => ({
  x: r.slice(0, 8).map((v, j) => (v - featureMean[j]) / featureStd[j]),
  y: (r[8] - targetMean) / targetStd,
});

function assertRow(split: { x: Float32Array; y: Float32Array }, row: number, rawRow: number[], what: string): void {
  const e = expectedRow(rawRow);
  for (let j = 0; j < 8; j++) {
    assert.ok(Math.abs(split.x[row * 8 + j] - e.x[j]) < 1e-6, `${what} x[${j}]: ${split.x[row * 8 + j]} vs ${e.x[j]}`);
  }
  assert.ok(Math.abs(split.y[row] - e.y) < 1e-6, `${what} y: ${split.y[row]} vs ${e.y}`);
}

test('the raw files are what REFERENCE.md describes', () => {
  assert.equal(raw.length, 768);
  assert.ok(raw.every((r) => r.length === 9));
  assert.deepEqual([...perm].sort((a, b) => a - b), Array.from({ length: 768 }, (_, i) => i));
});

test('UCI Energy splits: sizes, exact first and last rows, shapes', () => {
  const d = buildUciEnergy(dataText, permText);
  assert.equal(d.task, 'regression');
  assert.deepEqual([d.train.rows, d.val.rows, d.test.rows], [588, 104, 76]);
  for (const s of [d.train, d.val, d.test]) {
    assert.deepEqual(s.inputShape, [8]);
    assert.deepEqual(s.targetShape, [1]);
    assert.equal(s.x.length, s.rows * 8);
    assert.equal(s.y.length, s.rows);
  }
  assertRow(d.train, 0, permuted[0], 'train first');
  assertRow(d.train, 587, permuted[587], 'train last');
  assertRow(d.val, 0, permuted[588], 'val first');
  assertRow(d.val, 103, permuted[691], 'val last');
  assertRow(d.test, 0, permuted[692], 'test first');
  assertRow(d.test, 75, permuted[767], 'test last');
  // the first permuted row is data.txt row 526 (0-based)
  assert.equal(perm[0], 526);
  assert.ok(Math.abs(d.train.x[0] * featureStd[0] + featureMean[0] - raw[526][0]) < 1e-5);
});

test('UCI Energy normalisation: statistics of the 692-row pool, unbiased std', () => {
  const d = buildUciEnergy(dataText, permText);
  assert.ok(Math.abs((d.stats.targetMean ?? NaN) - targetMean) < 1e-12);
  assert.ok(Math.abs((d.stats.targetStd ?? NaN) - targetStd) < 1e-12);
  const poolX = [...d.train.x, ...d.val.x];
  const poolY = [...d.train.y, ...d.val.y];
  for (let j = 0; j < 8; j++) {
    const col = poolX.filter((_, i) => i % 8 === j);
    assert.ok(Math.abs(mean(col)) < 1e-6, `feature ${j} mean ${mean(col)}`);
    assert.ok(Math.abs(sampleStd(col) - 1) < 1e-6, `feature ${j} std ${sampleStd(col)}`);
  }
  assert.ok(Math.abs(mean(poolY)) < 1e-6);
  assert.ok(Math.abs(sampleStd(poolY) - 1) < 1e-6);
  // the training part alone is not exactly standardised: the statistics did come from the pool
  assert.ok(Math.abs(mean([...d.train.y])) > 1e-4);
});

test('loadDataset(uci-energy) through a folder mirror gives the same data', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-uci-'));
  try {
    const d = await loadDataset('uci-energy', { dataDir: dir, mirror: BUILT_IN_DATA, builtIn: false });
    const direct = buildUciEnergy(dataText, permText);
    assert.deepEqual(d.train.x, direct.train.x);
    assert.deepEqual(d.test.y, direct.test.y);
    assert.equal(readFileSync(path.join(dir, 'uci-energy', 'data.txt'), 'utf8'), dataText);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadDataset(uci-energy) offline with an empty cache reads the built-in copy and writes nothing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-uci-'));
  try {
    const phases: string[] = [];
    const d = await loadDataset('uci-energy', { dataDir: dir, mirror: '', onProgress: (p) => phases.push(`${p.file}:${p.phase}`) });
    assert.deepEqual(phases, ['data.txt:built-in', 'permutation_indices.txt:built-in']);
    assert.deepEqual(d.train.x, buildUciEnergy(dataText, permText).train.x);
    assert.deepEqual(readdirSync(dir), [], 'nothing was written to the cache');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad UCI text gives errors naming the file and line', () => {
  const lines = dataText.split('\n');
  const shortRow = [...lines.slice(0, 4), '1\t2\t3', ...lines.slice(5)].join('\n');
  assert.throws(() => buildUciEnergy(shortRow, permText), /data\.txt line 5: 3 columns, expected 9/);
  const badNumber = [...lines.slice(0, 2), lines[2].replace('514.50', 'abc'), ...lines.slice(3)].join('\n');
  assert.throws(() => buildUciEnergy(badNumber, permText), /data\.txt line 3: "abc" is not a finite number/);
  assert.throws(() => buildUciEnergy(lines.slice(0, 700).join('\n'), permText), /700 rows, expected 768/);
  const dup = permText.replace(/^526$/m, '467');
  assert.throws(() => buildUciEnergy(dataText, dup), /index 467 appears twice/);
});
