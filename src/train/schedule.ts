import { epochBatches, type BatchOptions, type HostBatch } from '../data/batches.js';
import type { Split } from '../data/types.js';

export interface ScheduledBatch {
  batch: HostBatch;
  /** 0-based epoch */
  epoch: number;
  /** whether this is the run's last batch (so the loop can evaluate after it) */
  last: boolean;
}

/**
 * The batches of a whole run in order, epoch after epoch, with batches that hold no real rows
 * skipped (the reference padding can produce them; their loss would be 0/0). Looks one batch
 * ahead to flag the last one.
 */
export function* runBatches(split: Split, opts: BatchOptions, epochs: number): Generator<ScheduledBatch> {
  let pending: { batch: HostBatch; epoch: number } | null = null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const batch of epochBatches(split, opts, epoch)) {
      if (batch.realRows === 0) continue;
      if (pending) yield { ...pending, last: false };
      pending = { batch, epoch };
    }
  }
  if (pending) yield { ...pending, last: true };
}
