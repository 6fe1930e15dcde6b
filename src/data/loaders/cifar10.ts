/**
 * CIFAR-10 from the binary archive (cifar-10-binary.tar.gz): each batch file is a run of 3073-byte
 * records, one label byte then 1024 R, 1024 G, 1024 B bytes (each plane 32x32 row-major).
 * As the reference: the 50,000 rows of data_batch_1..5 (in that order) are the pool, the first
 * 45,000 train and the last 5,000 (the second half of data_batch_5) validate; test_batch is the
 * test set. Pixels are divided by 255, then standardised per channel with the fixed constants
 * mean (0.4914, 0.4822, 0.4465), std (0.247, 0.243, 0.262). Rows are channels-last [32, 32, 3].
 */
import { gunzipTar, readTar, tarFile } from '../parsers/tar.js';
import { standardiseRows } from '../normalise.js';
import { trainValSizes, VALIDATION_PROPORTION } from '../split.js';
import type { Dataset, Split } from '../types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const ROW = 3 * PLANE;
const RECORD = 1 + ROW;
const FOLDER = 'cifar-10-batches-bin';
export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `${FOLDER}/data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = `${FOLDER}/test_batch.bin`;
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR_STD = [0.247, 0.243, 0.262];

export interface CifarBatch {
  /** channels-last uint8 pixels [rows, 32, 32, 3] */
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
}

/** Decodes the records of one or more binary batch files, in order. */
export function parseCifarBatches(files: { name: string; data: Uint8Array }[]): CifarBatch {
  let rows = 0;
  for (const f of files) {
    if (f.data.length % RECORD !== 0) {
      throw new Error(`${f.name}: ${f.data.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records`);
    }
    rows += f.data.length / RECORD;
  }
  const images = new Uint8Array(rows * ROW);
  const labels = new Uint8Array(rows);
  let r = 0;
  for (const f of files) {
    for (let off = 0; off < f.data.length; off += RECORD, r++) {
      const label = f.data[off];
      if (label > 9) throw new Error(`${f.name}: record ${off / RECORD} has label ${label}, not a class 0..9`);
      labels[r] = label;
      const out = r * ROW;
      for (let c = 0; c < 3; c++) {
        const plane = off + 1 + c * PLANE;
        for (let p = 0; p < PLANE; p++) images[out + p * 3 + c] = f.data[plane + p];
      }
    }
  }
  return { images, labels, rows };
}

export function buildCifar10(archive: Uint8Array): Dataset {
  const label = 'cifar10/cifar-10-binary.tar.gz';
  const entries = readTar(gunzipTar(archive, label), label);
  const pick = (name: string): { name: string; data: Uint8Array } => ({ name, data: tarFile(entries, name, label) });
  const pool = parseCifarBatches(CIFAR_TRAIN_FILES.map(pick));
  const test = parseCifarBatches([pick(CIFAR_TEST_FILE)]);
  const [trainRows] = trainValSizes(pool.rows, VALIDATION_PROPORTION.cifar10);
  const part = (b: CifarBatch, start: number, end: number): Split => ({
    x: standardiseRows(b.images, ROW, start, end, CIFAR_MEAN, CIFAR_STD, 1 / 255),
    y: Float32Array.from(b.labels.subarray(start, end)),
    rows: end - start,
    inputShape: [SIDE, SIDE, 3],
    targetShape: [],
  });
  return {
    name: 'cifar10',
    task: 'classification',
    classes: 10,
    train: part(pool, 0, trainRows),
    val: part(pool, trainRows, pool.rows),
    test: part(test, 0, test.rows),
    stats: {
      inputs: 'per-channel',
      inputScale: 1 / 255,
      inputMean: Float64Array.from(CIFAR_MEAN),
      inputStd: Float64Array.from(CIFAR_STD),
      source: 'fixed CIFAR-10 channel constants of the reference (not computed here)',
    },
  };
}
