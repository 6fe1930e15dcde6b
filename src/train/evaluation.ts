import * as tf from '@tensorflow/tfjs-core';
import type { Split } from '../data/types.js';
import type { ModelDef } from '../models/zoo.js';
import { ParamTable } from '../autodiff/param-table.js';
import { predict, type BatchNormRunning } from '../autodiff/forward-pass.js';
import { rowLosses } from '../autodiff/layers/loss.js';
import { denseKernelEngineApplies } from '../autodiff/model-objective.js';
import { chainLayout } from '../autodiff/dense-chain/chain-layout.js';
import { ChainEvaluator, type ChunkSums } from '../autodiff/dense-chain/chain-passes.js';
import { acquireWorkspace, releaseWorkspace, type KernelWorkspace } from '../autodiff/dense-chain/dense-kernel.js';
import { evalHelper, evalHelperEnabled, HELPER_MIN_CHUNKS } from './eval-helper.js';

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
  private kernel: KernelParts | null = null;

  constructor(private readonly split: Split, readonly chunkRows: number = EVAL_CHUNK_ROWS) {
    this.rows = split.rows;
    if (split.rows < 1) throw new Error('cannot evaluate on an empty split');
  }

  /**
   * the split in the dense-chain kernel's memory, for an MLP (made once; null for other models): the
   * first chunks here, and, for a split of HELPER_MIN_CHUNKS chunks or more, the second half of its
   * chunks in the evaluation helper thread (eval-helper.ts)
   */
  kernelParts(def: ModelDef): KernelParts | null {
    if (this.kernel?.spec === def.spec) return this.kernel;
    const layout = chainLayout(def);
    if (layout === null) return null;
    this.resetKernel();
    const s = this.split;
    const chunks = Math.ceil(this.rows / this.chunkRows);
    const ownRows = useHelper() && chunks >= HELPER_MIN_CHUNKS ? Math.ceil(chunks / 2) * this.chunkRows : this.rows;
    const xw = s.x.length / s.rows;
    const yw = s.y.length / s.rows;
    const ws = acquireWorkspace();
    try {
      const own = new ChainEvaluator(ws, layout, s.x.subarray(0, ownRows * xw), s.y.subarray(0, ownRows * yw), ownRows, this.chunkRows);
      const helperPart = ownRows < this.rows
        ? evalHelper().add(layout, s.x.slice(ownRows * xw), s.y.slice(ownRows * yw), this.rows - ownRows, this.chunkRows)
        : null;
      this.kernel = { ws, own, helperPart, spec: def.spec };
      return this.kernel;
    } catch (e) {
      releaseWorkspace(ws);
      throw e;
    }
  }

  /** forgets the kernel copy (the next evaluation makes it again) */
  resetKernel(): void {
    if (this.kernel !== null) {
      releaseWorkspace(this.kernel.ws);
      if (this.kernel.helperPart !== null) evalHelper().remove(this.kernel.helperPart);
    }
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
    this.resetKernel();
  }
}

/** an MLP split in kernel memory: its first chunks here, the rest (if any) in the helper thread */
export interface KernelParts {
  ws: KernelWorkspace;
  own: ChainEvaluator;
  helperPart: number | null;
  spec: ModelDef['spec'];
}

/** set when the helper thread failed: evaluation goes on in the training thread alone */
let helperBroken = false;
const useHelper = () => !helperBroken && evalHelperEnabled();

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
export async function evaluate(
  def: ModelDef,
  params: tf.Tensor1D,
  running: BatchNormRunning,
  sets: EvalSet[],
  classifier: boolean,
): Promise<Evaluation[]> {
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
 * kernel's memory — the second half of a large split's chunks in the helper thread at the same time;
 * the results become scalar tensors like the backend's.
 */
async function evaluateOnKernel(def: ModelDef, params: tf.Tensor1D, sets: EvalSet[], classifier: boolean): Promise<Evaluation[]> {
  const host = Float32Array.from(params.dataSync());
  const parts = sets.map((set) => set.kernelParts(def)!);
  const shared = parts.flatMap((p) => (p.helperPart === null ? [] : [p.helperPart]));
  // the helper's halves first, so that both threads work at once
  const theirs = shared.length > 0 ? evalHelper().evaluate(host, shared) : Promise.resolve<ChunkSums[]>([]);
  const own = parts.map((p) => p.own.evaluate(host));
  let rest: ChunkSums[];
  try {
    rest = await theirs;
  } catch {
    // the helper thread failed: go on without it (the same sums, in this thread)
    helperBroken = true;
    sets.forEach((set) => set.resetKernel());
    return evaluateOnKernel(def, params, sets, classifier);
  }
  const f = Math.fround;
  let next = 0;
  return sets.map((set, i) => {
    const sums = parts[i].helperPart === null ? [own[i]] : [own[i], rest[next++]];
    let loss = 0;
    let hit = 0;
    for (const { lossSums, hits } of sums) {
      for (let c = 0; c < lossSums.length; c++) {
        loss = f(loss + lossSums[c]);
        hit += hits[c];
      }
    }
    const r: Evaluation = { loss: tf.scalar(f(loss / set.rows)) };
    if (classifier) r.accuracy = tf.scalar(f(hit / set.rows));
    return r;
  });
}
