import { loadDataset } from '../../src/data/load.js';
import type { Dataset, Split } from '../../src/data/types.js';
import { Rng } from '../../src/util/random.js';

let uci: Promise<Dataset> | undefined;

/** UCI Energy from the copy built into sfn (read in place: nothing is fetched or written). */
export function uciEnergy(): Promise<Dataset> {
  uci ??= loadDataset('uci-energy', { dataDir: '/nonexistent/sfn-test-cache', mirror: '' });
  return uci;
}

/** Random images [rows, 9, 9, 2] with labels 0..2, for the small conv net. */
export function randomImages(rows: number, seed: number): Split {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * 9 * 9 * 2).map(() => rng.normal() * 2 + 0.5);
  const y = new Float32Array(rows).map(() => Math.floor(rng.uniform() * 3));
  return { x, y, rows, inputShape: [9, 9, 2], targetShape: [] };
}

export function randomImageDataset(seed: number, rows = [40, 16, 12]): Dataset {
  return {
    name: 'random-images',
    task: 'classification',
    classes: 3,
    train: randomImages(rows[0], seed),
    val: randomImages(rows[1], seed + 1),
    test: randomImages(rows[2], seed + 2),
    stats: { inputs: 'per-element', inputScale: 1, inputMean: new Float64Array(0), inputStd: new Float64Array(0), source: 'random' },
  };
}
