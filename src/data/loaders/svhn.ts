/**
 * SVHN cropped digits from train_32x32.mat and test_32x32.mat (MATLAB level 5): X is uint8
 * [32, 32, 3, N] column-major (X(row, col, channel, n)), y is [N, 1] with labels 1..10, 10 meaning
 * digit 0. As the reference: the 73,257 training-file rows are the pool, the first 61,047 train and
 * the last 12,210 (rows 61,047..73,256 of train_32x32.mat, file order) validate; test_32x32.mat is
 * the test set; the extra set is unused. Pixels (0..255) are standardised per (row, col, channel)
 * element with statistics of the whole pool. Rows are channels-last [32, 32, 3] (the reference
 * fed channels-first by mistake; see REFERENCE.md).
 */
import { matVariable, readMat, type MatVariable } from '../parsers/mat-v5.js';
import { columnStats, standardiseRows } from '../normalise.js';
import { trainValSizes, VALIDATION_PROPORTION } from '../split.js';
import type { Dataset, Split } from '../types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const ROW = 3 * PLANE;

export interface SvhnPart {
  /** channels-last uint8 pixels [rows, 32, 32, 3] */
  images: Uint8Array;
  /** digits 0..9 */
  labels: Uint8Array;
  rows: number;
}

/** Reads X and y of one SVHN .mat file into channels-last images and 0..9 labels. */
export function parseSvhnMat(bytes: Uint8Array, label: string): SvhnPart {
  const vars = readMat(bytes, label);
  const X = matVariable(vars, 'X', 4, label);
  const y = matVariable(vars, 'y', 2, label);
  const [h, w, c, n] = X.dims;
  if (h !== SIDE || w !== SIDE || c !== 3) throw new Error(`${label}: X is [${X.dims.join(', ')}], expected [32, 32, 3, N]`);
  if (!(X.data instanceof Uint8Array)) throw new Error(`${label}: X is stored as ${X.className} data, expected uint8 bytes`);
  if (y.dims[0] * y.dims[1] !== n || Math.min(y.dims[0], y.dims[1]) !== 1) {
    throw new Error(`${label}: y is [${y.dims.join(', ')}], expected [${n}, 1] to match X`);
  }
  return { images: toChannelsLast(X.data, n), labels: digits(y, label), rows: n };
}

/** X(r, c, ch, n) sits at r + 32 c + 1024 ch + 3072 n; channels-last puts it at n 3072 + (32 r + c) 3 + ch. */
function toChannelsLast(x: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * ROW);
  for (let i = 0; i < n; i++) {
    const base = i * ROW;
    for (let ch = 0; ch < 3; ch++) {
      for (let c = 0; c < SIDE; c++) {
        const src = base + ch * PLANE + c * SIDE;
        for (let r = 0; r < SIDE; r++) out[base + (r * SIDE + c) * 3 + ch] = x[src + r];
      }
    }
  }
  return out;
}

function digits(y: MatVariable, label: string): Uint8Array {
  const out = new Uint8Array(y.data.length);
  for (let i = 0; i < y.data.length; i++) {
    const v = Number(y.data[i]);
    if (!Number.isInteger(v) || v < 1 || v > 10) throw new Error(`${label}: label ${v} at row ${i} is not in 1..10`);
    out[i] = v === 10 ? 0 : v;
  }
  return out;
}

export function buildSvhn(trainMat: Uint8Array, testMat: Uint8Array): Dataset {
  const pool = parseSvhnMat(trainMat, 'svhn/train_32x32.mat');
  const test = parseSvhnMat(testMat, 'svhn/test_32x32.mat');
  const stats = columnStats(pool.images, ROW, 0, pool.rows);
  const [trainRows] = trainValSizes(pool.rows, VALIDATION_PROPORTION.svhn);
  const part = (p: SvhnPart, start: number, end: number): Split => ({
    x: standardiseRows(p.images, ROW, start, end, stats.mean, stats.std),
    y: Float32Array.from(p.labels.subarray(start, end)),
    rows: end - start,
    inputShape: [SIDE, SIDE, 3],
    targetShape: [],
  });
  return {
    name: 'svhn',
    task: 'classification',
    classes: 10,
    train: part(pool, 0, trainRows),
    val: part(pool, trainRows, pool.rows),
    test: part(test, 0, test.rows),
    stats: {
      inputs: 'per-element',
      inputScale: 1,
      inputMean: stats.mean,
      inputStd: stats.std,
      source: `all ${pool.rows} rows of train_32x32.mat (train + validation pool), per (row, col, channel) element`,
    },
  };
}
