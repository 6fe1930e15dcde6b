/** loadDataset: fetch (or find) the files, verify them, parse, split and normalise. */
import { readFile } from 'node:fs/promises';
import { ensureDatasetFiles } from './cache.js';
import { buildCifar10 } from './loaders/cifar10.js';
import { buildFashionMnist } from './loaders/fashion-mnist.js';
import { buildSvhn } from './loaders/svhn.js';
import { buildUciEnergy } from './loaders/uci-energy.js';
import { datasetEntry } from './registry.js';
import type { DataOptions, Dataset } from './types.js';

export async function loadDataset(name: string, opts: DataOptions = {}): Promise<Dataset> {
  const entry = datasetEntry(name);
  const paths = await ensureDatasetFiles(entry.name, opts);
  const bytes = (file: string): Promise<Uint8Array> => readFile(paths[file]);
  const text = (file: string): Promise<string> => readFile(paths[file], 'utf8');
  let dataset: Dataset;
  switch (entry.name) {
    case 'uci-energy':
      dataset = buildUciEnergy(await text('data.txt'), await text('permutation_indices.txt'));
      break;
    case 'fashion-mnist':
      dataset = buildFashionMnist({
        trainImages: await bytes('train-images-idx3-ubyte.gz'),
        trainLabels: await bytes('train-labels-idx1-ubyte.gz'),
        testImages: await bytes('t10k-images-idx3-ubyte.gz'),
        testLabels: await bytes('t10k-labels-idx1-ubyte.gz'),
      });
      break;
    case 'svhn':
      dataset = buildSvhn(await bytes('train_32x32.mat'), await bytes('test_32x32.mat'));
      break;
    case 'cifar10':
      dataset = buildCifar10(await bytes('cifar-10-binary.tar.gz'));
      break;
  }
  const [train, val, test] = entry.splitRows;
  const got = [dataset.train.rows, dataset.val.rows, dataset.test.rows];
  if (got[0] !== train || got[1] !== val || got[2] !== test) {
    throw new Error(`${name}: split sizes ${got.join('/')} differ from the reference ${train}/${val}/${test}`);
  }
  return dataset;
}
