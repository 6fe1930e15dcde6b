import * as tf from '@tensorflow/tfjs-core';
import '../util/chained-ops.js';
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
    const parts = tf.tidy(() => tf.split(params, this.sizes).map((t, i) => t.reshape(this.shapes[i])));
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
    const parts = tf.split(vs, this.sizes, 1);
    return new Map(this.names.map((n, i) => [n, parts[i].reshape([k, ...this.shapes[i]])]));
  }

  /** access for one pass: values, directions (if any) and a fresh accumulator */
  access(k: number, dirs: Map<string, tf.Tensor> | null): { access: ParamAccess; sums: Map<string, tf.Tensor> } {
    const sums = new Map<string, tf.Tensor>();
    const access: ParamAccess = {
      k,
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
      return t === undefined ? tf.zeros([k, this.sizes[i]]) : t.reshape([k, this.sizes[i]]);
    });
    return tf.concat(parts, 1);
  }

  dispose(): void {
    tf.dispose([...this.values.values()]);
    this.values.clear();
  }
}
