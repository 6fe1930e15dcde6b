/**
 * UCI Energy as the reference runs it: Gal's data.txt (768 rows; 8 inputs, heating load in column 8)
 * reordered by permutation_indices.txt. Permuted rows 0..691 are the pool: rows 0..587 train,
 * 588..691 validation; permuted rows 692..767 are the test set. Inputs are standardised per
 * feature and the target by one scalar mean/std, all from the 692-row pool.
 */
import { parseNumericTable, parsePermutation } from '../parsers/numeric-text.js';
import { columnStats, standardiseRows } from '../normalise.js';
import { trainValSizes, VALIDATION_PROPORTION } from '../split.js';
import type { Dataset, Split } from '../types.js';

export const UCI_ROWS = 768;
export const UCI_POOL_ROWS = 692;
const INPUTS = 8;

export function buildUciEnergy(dataText: string, permutationText: string): Dataset {
  const table = parseNumericTable(dataText, 'uci-energy/data.txt', INPUTS + 1);
  if (table.rows !== UCI_ROWS) throw new Error(`uci-energy/data.txt: ${table.rows} rows, expected ${UCI_ROWS}`);
  const perm = parsePermutation(permutationText, 'uci-energy/permutation_indices.txt', UCI_ROWS);

  const x = new Float64Array(UCI_ROWS * INPUTS);
  const y = new Float64Array(UCI_ROWS);
  for (let i = 0; i < UCI_ROWS; i++) {
    const src = perm[i] * (INPUTS + 1);
    for (let j = 0; j < INPUTS; j++) x[i * INPUTS + j] = table.data[src + j];
    y[i] = table.data[src + INPUTS];
  }

  const xs = columnStats(x, INPUTS, 0, UCI_POOL_ROWS);
  const ys = columnStats(y, 1, 0, UCI_POOL_ROWS);
  const [trainRows] = trainValSizes(UCI_POOL_ROWS, VALIDATION_PROPORTION['uci-energy']);
  const part = (start: number, end: number): Split => ({
    x: standardiseRows(x, INPUTS, start, end, xs.mean, xs.std),
    y: standardiseRows(y, 1, start, end, ys.mean, ys.std),
    rows: end - start,
    inputShape: [INPUTS],
    targetShape: [1],
  });
  return {
    name: 'uci-energy',
    task: 'regression',
    train: part(0, trainRows),
    val: part(trainRows, UCI_POOL_ROWS),
    test: part(UCI_POOL_ROWS, UCI_ROWS),
    stats: {
      inputs: 'per-element',
      inputScale: 1,
      inputMean: xs.mean,
      inputStd: xs.std,
      targetMean: ys.mean[0],
      targetStd: ys.std[0],
      source: `first ${UCI_POOL_ROWS} permuted rows (train + validation pool)`,
    },
  };
}
