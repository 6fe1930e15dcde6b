/**
 * Fashion-MNIST as the reference runs it: the 60,000 training images are the pool (rows 0..49,999
 * train, 50,000..59,999 validation, in file order); the 10,000 t10k images are the test set.
 * Pixels (0..255) are standardised per pixel with statistics of the whole 60,000-row pool.
 * Rows are the flattened 28x28 image, row-major (channels-last with one channel): inputShape [784].
 */
import { parseIdxWithShape } from '../parsers/idx.js';
import { columnStats, standardiseRows } from '../normalise.js';
import { trainValSizes, VALIDATION_PROPORTION } from '../split.js';
import type { Dataset, Split } from '../types.js';

const PIXELS = 28 * 28;

export interface FashionFiles {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

export function buildFashionMnist(files: FashionFiles): Dataset {
  const trainImages = parseIdxWithShape(files.trainImages, 'fashion-mnist/train-images-idx3-ubyte.gz', [undefined, 28, 28]);
  const trainLabels = parseIdxWithShape(files.trainLabels, 'fashion-mnist/train-labels-idx1-ubyte.gz', [trainImages.shape[0]]);
  const testImages = parseIdxWithShape(files.testImages, 'fashion-mnist/t10k-images-idx3-ubyte.gz', [undefined, 28, 28]);
  const testLabels = parseIdxWithShape(files.testLabels, 'fashion-mnist/t10k-labels-idx1-ubyte.gz', [testImages.shape[0]]);
  checkLabels(trainLabels.data, 'fashion-mnist/train-labels-idx1-ubyte.gz');
  checkLabels(testLabels.data, 'fashion-mnist/t10k-labels-idx1-ubyte.gz');

  const pool = trainImages.shape[0];
  const stats = columnStats(trainImages.data, PIXELS, 0, pool);
  const [trainRows] = trainValSizes(pool, VALIDATION_PROPORTION['fashion-mnist']);
  const part = (images: Uint8Array, labels: Uint8Array, start: number, end: number): Split => ({
    x: standardiseRows(images, PIXELS, start, end, stats.mean, stats.std),
    y: Float32Array.from(labels.subarray(start, end)),
    rows: end - start,
    inputShape: [PIXELS],
    targetShape: [],
  });
  return {
    name: 'fashion-mnist',
    task: 'classification',
    classes: 10,
    train: part(trainImages.data, trainLabels.data, 0, trainRows),
    val: part(trainImages.data, trainLabels.data, trainRows, pool),
    test: part(testImages.data, testLabels.data, 0, testImages.shape[0]),
    stats: {
      inputs: 'per-element',
      inputScale: 1,
      inputMean: stats.mean,
      inputStd: stats.std,
      source: `all ${pool} training-file rows (train + validation pool)`,
    },
  };
}

function checkLabels(labels: Uint8Array, label: string): void {
  const bad = labels.findIndex((v) => v > 9);
  if (bad >= 0) throw new Error(`${label}: label ${labels[bad]} at row ${bad} is not a class 0..9`);
}
