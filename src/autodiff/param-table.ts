import * as tf from '@tensorflow/tfjs-core';
import { paramOffsets, type ModelSpec } from '../models/spec.js';
import type { ParamAccess } from './layers/types.js';

/**
 * The flat parameter vector seen as named tensors (one split, kept for the Objective's life),
 * and the way back: per-parameter gradients or curvature products concatenated into flat vectors.
 */
export class ParamTable {
  readonly names: string[];
  readonly shapes: number[][];
  readonly sizes: number[];
  private readonly values: Map<string, tf.Tensor>;

  constructor(spec: ModelSpec, params: tf.Tensor1D) {
    const offsets = paramOffsets(spec);
    this.names = spec.params.map((p) => p.name);
    this.shapes = spec.params.map((p) => p.shape);
    this.sizes = this.names.map((n) => offsets.get(n)!.size);
    const parts = tf.tidy(() => sliceParts(params, this.sizes).map((t, i) => tf.reshape(t, this.shapes[i])));
    parts.forEach((t) => tf.keep(t));
    this.values = new Map(this.names.map((n, i) => [n, parts[i]]));
  }

  value(name: string): tf.Tensor {
    const v = this.values.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    return v;
  }

  /** per-parameter directions [K, ...shape] from [K, size] */
  directions(vs: tf.Tensor2D): Map<string, tf.Tensor> {
    const k = vs.shape[0];
    const parts = sliceParts(vs, this.sizes);
    return new Map(this.names.map((n, i) => [n, tf.reshape(parts[i], [k, ...this.shapes[i]])]));
  }

  /**
   * access for one pass: values, directions (if any) and a fresh accumulator; `wanted` limits the
   * parameters whose gradients the pass computes (all when omitted)
   */
  access(k: number, dirs: Map<string, tf.Tensor> | null, wanted?: ReadonlySet<string>): { access: ParamAccess; sums: Map<string, tf.Tensor> } {
    const sums = new Map<string, tf.Tensor>();
    const access: ParamAccess = {
      k,
      wants: (n) => wanted === undefined || wanted.has(n),
      value: (n) => this.value(n),
      direction: (n) => {
        const d = dirs?.get(n);
        if (!d) throw new Error(`no direction for parameter ${n}`);
        return d;
      },
      accumulate: (n, t) => {
        const prev = sums.get(n);
        sums.set(n, prev === undefined ? t : tf.add(prev, t));
      },
    };
    return { access, sums };
  }

  /** concatenate per-parameter tensors ([K, ...shape], or [...shape] when k is 1 and unbatched) into [K, size]; missing ones are zero */
  flatten(sums: Map<string, tf.Tensor>, k: number): tf.Tensor {
    const parts = this.names.map((n, i) => {
      const t = sums.get(n);
      return t === undefined ? tf.zeros([k, this.sizes[i]]) : tf.reshape(t, [k, this.sizes[i]]);
    });
    return tf.concat(parts, 1);
  }

  dispose(): void {
    tf.dispose([...this.values.values()]);
    this.values.clear();
  }
}

/**
 * Consecutive pieces along the last axis. On wasm every Slice or SplitV kernel first copies its
 * whole input out of the WebAssembly heap (about 2 s for ResNet-18's 11M parameters split into 62
 * tensors), so there the vector is read once and the pieces are made from views of that copy.
 */
function sliceParts(t: tf.Tensor, sizes: number[]): tf.Tensor[] {
  const lead = t.shape.slice(0, -1);
  if (tf.getBackend() === 'wasm') {
    const data = t.dataSync() as Float32Array;
    const rows = lead.reduce((a, b) => a * b, 1);
    const width = t.shape[t.rank - 1] as number;
    let offset = 0;
    return sizes.map((size) => {
      let values: Float32Array;
      if (rows === 1) values = data.subarray(offset, offset + size);
      else {
        values = new Float32Array(rows * size);
        for (let r = 0; r < rows; r++) values.set(data.subarray(r * width + offset, r * width + offset + size), r * size);
      }
      offset += size;
      return tf.tensor(values, [...lead, size], 'float32');
    });
  }
  let offset = 0;
  return sizes.map((size) => {
    const part = tf.slice(t, [...lead.map(() => 0), offset], [...lead, size]);
    offset += size;
    return part;
  });
}
