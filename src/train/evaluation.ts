import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/types.js';
import type { ModelDef } from '../models/zoo.js';
import { ParamTable } from '../autodiff/param-table.js';
import { predict, type BatchNormRunning } from '../autodiff/forward-pass.js';
import { rowLosses } from '../autodiff/layers/loss.js';
import { denseKernelEngineApplies } from '../autodiff/model-objective.js';
import { chainLayout } from '../autodiff/dense-chain/chain-layout.js';
import { ChainEvaluator } from '../autodiff/dense-chain/chain-passes.js';
import { acquireWorkspace, releaseWorkspace, type KernelWorkspace } from '../autodiff/dense-chain/dense-kernel.js';

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
 * protocol evaluates every step. For an MLP on the wasm backend the split is kept in the dense-chain
 * kernel's memory instead (its evaluator computes the same chunked sums); either copy is made on the
 * first evaluation.
 */
export class EvalSet {
  readonly rows: number;
  /** the uploaded chunks; undefined until the first evaluation on the backend, null when too large to keep */
  private resident: Chunk[] | null | undefined;
  private kernel: { ws: KernelWorkspace; evaluator: ChainEvaluator; spec: ModelDef['spec'] } | null = null;

  constructor(private readonly split: Split, readonly chunkRows: number = EVAL_CHUNK_ROWS) {
    this.rows = split.rows;
    if (split.rows < 1) throw new Error('cannot evaluate on an empty split');
  }

  /** the split in the dense-chain kernel's memory, for an MLP (made once; null for other models) */
  kernelEvaluator(def: ModelDef): ChainEvaluator | null {
    if (this.kernel?.spec === def.spec) return this.kernel.evaluator;
    const layout = chainLayout(def);
    if (layout === null) return null;
    this.disposeKernel();
    const ws = acquireWorkspace();
    try {
      const evaluator = new ChainEvaluator(ws, layout, this.split.x, this.split.y, this.rows, this.chunkRows);
      this.kernel = { ws, evaluator, spec: def.spec };
      return evaluator;
    } catch (e) {
      releaseWorkspace(ws);
      throw e;
    }
  }

  private disposeKernel(): void {
    if (this.kernel !== null) releaseWorkspace(this.kernel.ws);
    this.kernel = null;
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
    if (this.resident === undefined) this.resident = this.split.x.byteLength <= RESIDENT_BYTES ? this.chunks() : null;
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
    this.resident = undefined;
    this.disposeKernel();
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
  if (denseKernelEngineApplies(def)) return evaluateOnKernel(def, params, sets, classifier);
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

/**
 * evaluate() for an MLP on the dense-chain kernel: the same chunked sums (each chunk's row losses in
 * order, then the chunks' sums in order, divided by the rows), computed on the split kept in the
 * kernel's memory; the results become scalar tensors like the backend's.
 */
function evaluateOnKernel(def: ModelDef, params: tf.Tensor1D, sets: EvalSet[], classifier: boolean): Evaluation[] {
  const host = Float32Array.from(params.dataSync());
  const f = Math.fround;
  return sets.map((set) => {
    const { lossSums, hits } = set.kernelEvaluator(def)!.evaluate(host);
    let loss = 0;
    let hit = 0;
    for (let i = 0; i < lossSums.length; i++) {
      loss = f(loss + lossSums[i]);
      hit += hits[i];
    }
    const r: Evaluation = { loss: tf.scalar(f(loss / set.rows)) };
    if (classifier) r.accuracy = tf.scalar(f(hit / set.rows));
    return r;
  });
}
