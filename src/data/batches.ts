/**
 * Minibatches of a split, reshuffled every epoch by a seeded generator (xoshiro128**, integer
 * arithmetic, so the order is the same on every platform). The order of epoch e depends only on
 * (seed, e), so a resumed run sees the same batches.
 *
 * A batch size means rows per optimiser step. Padding choices for the last, short batch:
 *  - 'none':      the last batch is just smaller;
 *  - 'last':      the last batch is filled up to batchSize with zero rows whose mask is 0;
 *  - 'reference': as the reference code: batchSize - (rows mod batchSize) masked rows are added
 *                 (a whole extra batch of them when rows is a multiple of batchSize) and shuffled
 *                 in with the real rows, so every batch has batchSize rows and the masked ones
 *                 land anywhere. A batch can then hold no real rows at all (realRows 0): skip it.
 * When batchSize >= rows there is one full batch per epoch, the split itself (not copied, not
 * shuffled, no padding): its loss is the same as any padded or reordered version of it.
 */
import { Rng } from '../util/random.js';
import type { Split } from './types.js';

export type Padding = 'none' | 'last' | 'reference';

export interface BatchOptions {
  batchSize: number;
  seed: number;
  /** default true */
  shuffle?: boolean;
  /** default 'none' */
  padding?: Padding;
}

export interface HostBatch {
  /** [rows, ...inputShape]; for a full batch this is split.x itself: do not modify it */
  x: Float32Array;
  /** [rows, ...targetShape] */
  y: Float32Array;
  /** [rows], 1 for real rows, 0 for padding rows */
  mask: Float32Array;
  /** rows in the arrays (the batch dimension of the tensors) */
  rows: number;
  /** rows whose mask is 1 */
  realRows: number;
  /** position of the batch in its epoch */
  index: number;
}

function checkOptions(opts: BatchOptions): void {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`batch size must be a positive integer, got ${opts.batchSize}`);
  }
  if (!Number.isSafeInteger(opts.seed)) throw new Error(`batch seed must be an integer, got ${opts.seed}`);
  const padding = opts.padding ?? 'none';
  if (!['none', 'last', 'reference'].includes(padding)) {
    throw new Error(`padding must be 'none', 'last' or 'reference', got '${padding}'`);
  }
}

/** Slots (real plus padding rows) per epoch. */
function slotsPerEpoch(rows: number, opts: BatchOptions): number {
  const b = opts.batchSize;
  if (b >= rows) return rows;
  switch (opts.padding ?? 'none') {
    case 'none': return rows;
    case 'last': return Math.ceil(rows / b) * b;
    case 'reference': return rows + (b - (rows % b));
  }
}

export function batchesPerEpoch(rows: number, opts: BatchOptions): number {
  checkOptions(opts);
  if (rows < 1) throw new Error('cannot batch an empty split');
  return Math.ceil(slotsPerEpoch(rows, opts) / opts.batchSize);
}

/** 32-bit seed of one epoch's generator, from the run seed and the epoch number. */
export function epochSeed(seed: number, epoch: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = Math.imul(lo ^ 0x85ebca6b, 0xcc9e2d51) >>> 0;
  h = Math.imul(h ^ hi ^ (h >>> 15), 0x1b873593) >>> 0;
  h = Math.imul(h ^ (epoch >>> 0) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The order of `slots` row slots in an epoch (indices >= the real row count are padding). */
export function epochOrder(slots: number, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(slots);
  for (let i = 0; i < slots; i++) order[i] = i;
  new Rng(epochSeed(seed, epoch)).shuffle(order);
  return order;
}

/** The batches of one epoch (0-based), in order. */
export function* epochBatches(split: Split, opts: BatchOptions, epoch: number): Generator<HostBatch> {
  checkOptions(opts);
  const n = split.rows;
  if (n < 1) throw new Error('cannot batch an empty split');
  const b = opts.batchSize;
  if (b >= n) {
    yield { x: split.x, y: split.y, mask: new Float32Array(n).fill(1), rows: n, realRows: n, index: 0 };
    return;
  }
  const padding = opts.padding ?? 'none';
  const slots = slotsPerEpoch(n, opts);
  let order: Int32Array;
  if (opts.shuffle === false) {
    order = new Int32Array(slots).map((_, i) => i);
  } else if (padding === 'reference') {
    order = epochOrder(slots, opts.seed, epoch);
  } else {
    // real rows are shuffled; padding slots stay at the end of the last batch
    order = new Int32Array(slots).map((_, i) => i);
    order.set(epochOrder(n, opts.seed, epoch));
  }
  const xw = split.x.length / n;
  const yw = split.y.length / n;
  for (let start = 0, index = 0; start < slots; start += b, index++) {
    const rows = Math.min(b, slots - start);
    const x = new Float32Array(rows * xw);
    const y = new Float32Array(rows * yw);
    const mask = new Float32Array(rows);
    let realRows = 0;
    for (let k = 0; k < rows; k++) {
      const r = order[start + k];
      if (r >= n) continue;
      x.set(split.x.subarray(r * xw, (r + 1) * xw), k * xw);
      y.set(split.y.subarray(r * yw, (r + 1) * yw), k * yw);
      mask[k] = 1;
      realRows++;
    }
    yield { x, y, mask, rows, realRows, index };
  }
}
