import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/types.js';
import type { ModelDef } from '../models/zoo.js';
import { ParamTable } from '../autodiff/param-table.js';
import { predict, type BatchNormRunning } from '../autodiff/forward-pass.js';
import { rowLosses } from '../autodiff/layers/loss.js';

/** Rows per forward pass when evaluating a whole split. */
export const EVAL_CHUNK_ROWS = 1000;
/** Above this many bytes of inputs a split is uploaded chunk by chunk at each evaluation instead of kept on the device. */
const RESIDENT_BYTES = 512 * 1024 * 1024;

interface Chunk {
  x: tf.Tensor;
  y: tf.Tensor;
}

/**
 * A validation or test split prepared for repeated evaluation: cut into chunks of at most
 * EVAL_CHUNK_ROWS rows, uploaded once and kept (unless it is very large), since the paper's
 * protocol evaluates every step.
 */
export class EvalSet {
  readonly rows: number;
  private readonly resident: Chunk[] | null;

  constructor(private readonly split: Split, readonly chunkRows: number = EVAL_CHUNK_ROWS) {
    this.rows = split.rows;
    if (split.rows < 1) throw new Error('cannot evaluate on an empty split');
    this.resident = split.x.byteLength <= RESIDENT_BYTES ? this.chunks() : null;
  }

  private chunks(): Chunk[] {
    const out: Chunk[] = [];
    for (let start = 0; start < this.split.rows; start += this.chunkRows) out.push(this.upload(start));
    return out;
  }

  private upload(start: number): Chunk {
    const s = this.split;
    const rows = Math.min(this.chunkRows, s.rows - start);
    const xw = s.x.length / s.rows;
    const yw = s.y.length / s.rows;
    return {
      x: tf.tensor(s.x.subarray(start * xw, (start + rows) * xw), [rows, ...s.inputShape], 'float32'),
      y: tf.tensor(s.y.subarray(start * yw, (start + rows) * yw), [rows, ...s.targetShape], 'float32'),
    };
  }

  /** Calls fn on every chunk in order (uploaded ones are freed afterwards). */
  forEachChunk(fn: (c: Chunk) => void): void {
    if (this.resident) {
      this.resident.forEach(fn);
      return;
    }
    for (let start = 0; start < this.split.rows; start += this.chunkRows) {
      const c = this.upload(start);
      try {
        fn(c);
      } finally {
        tf.dispose([c.x, c.y]);
      }
    }
  }

  dispose(): void {
    if (this.resident) for (const c of this.resident) tf.dispose([c.x, c.y]);
  }
}

export interface Evaluation {
  /** mean loss over the split's rows, as a scalar tensor (caller owns) */
  loss: tf.Scalar;
  /** fraction of rows classified correctly (classifiers only) */
  accuracy?: tf.Scalar;
}

/**
 * Mean loss (and accuracy) of the model on whole splits, in evaluation mode: batch norm uses the
 * running averages. Results stay on the device so the training loop reads everything of a step at
 * once. Results are in the order of `sets`.
 */
export function evaluate(
  def: ModelDef,
  params: tf.Tensor1D,
  running: BatchNormRunning,
  sets: EvalSet[],
  classifier: boolean,
): Evaluation[] {
  const table = new ParamTable(def.spec, params);
  try {
    return sets.map((set) => {
      // per chunk: summed loss and hits (scalars); the chunk's activations are freed at once
      const losses: tf.Scalar[] = [];
      const hits: tf.Scalar[] = [];
      set.forEachChunk(({ x, y }) => {
        const [loss, hit] = tf.tidy(() => {
          const out = predict(def.spec, table, x, running);
          const loss = tf.sum(rowLosses(def.loss, out, y).rows) as tf.Scalar;
          if (!classifier) return [loss];
          const labels = tf.cast(tf.reshape(y, [-1]), 'int32');
          return [loss, tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'float32')) as tf.Scalar];
        });
        losses.push(loss);
        if (hit) hits.push(hit);
      });
      const result = tf.tidy(() => {
        const r: Evaluation = { loss: tf.div(tf.addN(losses), set.rows) as tf.Scalar };
        if (classifier) r.accuracy = tf.div(tf.addN(hits), set.rows) as tf.Scalar;
        return r as unknown as tf.TensorContainer;
      }) as unknown as Evaluation;
      tf.dispose([...losses, ...hits]);
      return result;
    });
  } finally {
    table.dispose();
  }
}
