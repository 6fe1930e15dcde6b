import * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { ModelDef } from '../../../src/models/zoo.js';
import type { PlainBatch } from '../../../src/check/problem.js';
import { disposeBatch, toEngineBatch } from '../../../src/check/engine.js';
import { modelObjective } from '../../../src/autodiff/model-objective.js';
import type { OptimiserDescriptor } from '../../../src/optim/descriptor.js';
import type { Optimizer, StepInfo } from '../../../src/optim/optimizer.js';
import { parameterCount } from '../../../src/models/spec.js';
import { Net64 } from './helpers/net64.js';
import { Rng } from '../../../src/util/random.js';

/** The optimiser of a descriptor from raw hyperparameters, with the run's seed. */
export function makeSeeded<S extends z.ZodObject>(d: OptimiserDescriptor<string, S>, hp: z.input<S>, def: ModelDef, seed: number): Optimizer {
  if (!d.create) throw new Error(`${d.name} is not implemented`);
  return d.create(d.schema.parse(hp), { parameterCount: parameterCount(def.spec), seed });
}

/** `steps` optimiser steps on one batch (full-batch training): the parameters before each step and after the last, and each step's info */
export async function stepOnBatch(opt: Optimizer, def: ModelDef, w0: Float32Array, batch: PlainBatch, steps: number): Promise<{ ws: Float32Array[]; infos: StepInfo[] }> {
  const engineBatch = toEngineBatch(def, batch);
  let params = tf.tensor1d(w0);
  let state = opt.init(params);
  const ws = [Float32Array.from(w0)];
  const infos: StepInfo[] = [];
  try {
    for (let t = 0; t < steps; t++) {
      const objective = modelObjective(def, params, engineBatch, { checkFinite: false });
      try {
        const r = await opt.step(objective, params, state);
        params.dispose();
        params = r.params;
        state = r.state;
        infos.push(r.info);
      } finally {
        objective.dispose();
      }
      ws.push(Float32Array.from(await params.data()));
    }
  } finally {
    opt.dispose(state);
    params.dispose();
    disposeBatch(engineBatch);
  }
  return { ws, infos };
}

/** the batch's mean loss in float64 (0.5 * squared error summed over outputs, or cross-entropy), padding rows excluded */
export function loss64(def: ModelDef, w: ArrayLike<number>, batch: PlainBatch): number {
  const f = new Net64(def.spec, w).forward(batch.x, batch.batchSize);
  const out = f.values[f.values.length - 1];
  const [b, o] = out.shape;
  let sum = 0;
  let count = 0;
  for (let r = 0; r < b; r++) {
    if (batch.mask[r] === 0) continue;
    count += batch.mask[r];
    let row = 0;
    if (def.loss === 'mse') {
      for (let j = 0; j < o; j++) row += 0.5 * (out.data[r * o + j] - batch.targets[r * o + j]) ** 2;
    } else {
      let max = -Infinity;
      for (let j = 0; j < o; j++) max = Math.max(max, out.data[r * o + j]);
      let s = 0;
      for (let j = 0; j < o; j++) s += Math.exp(out.data[r * o + j] - max);
      row = max + Math.log(s) - out.data[r * o + batch.targets[r]];
    }
    sum += batch.mask[r] * row;
  }
  return sum / count;
}

/** the gradient of loss64 in float64 (one reverse pass of the brute-force network) */
export function grad64(def: ModelDef, w: ArrayLike<number>, batch: PlainBatch): Float64Array {
  const net = new Net64(def.spec, w);
  const f = net.forward(batch.x, batch.batchSize);
  const out = f.values[f.values.length - 1];
  const [b, o] = out.shape;
  const count = Array.from(batch.mask).reduce((x, y) => x + y, 0);
  const g = new Float64Array(b * o);
  for (let r = 0; r < b; r++) {
    const m = batch.mask[r] / count;
    if (def.loss === 'mse') {
      for (let j = 0; j < o; j++) g[r * o + j] = m * (out.data[r * o + j] - batch.targets[r * o + j]);
    } else {
      let max = -Infinity;
      for (let j = 0; j < o; j++) max = Math.max(max, out.data[r * o + j]);
      let s = 0;
      for (let j = 0; j < o; j++) s += Math.exp(out.data[r * o + j] - max);
      for (let j = 0; j < o; j++) g[r * o + j] = m * (Math.exp(out.data[r * o + j] - max) / s - (batch.targets[r] === j ? 1 : 0));
    }
  }
  return net.flatten(net.backward(f, g).paramGrads);
}

/** a random regression batch for a model with `inputs` inputs and `outputs` outputs; `masked` rows are padding */
export function regressionBatch(rows: number, inputs: number, outputs: number, seed: number, masked: number[] = []): PlainBatch {
  const rng = new Rng(seed);
  return {
    batchSize: rows,
    x: Float32Array.from({ length: rows * inputs }, () => rng.normal()),
    targets: Float32Array.from({ length: rows * outputs }, () => rng.normal()),
    mask: Float32Array.from({ length: rows }, (_, r) => (masked.includes(r) ? 0 : 1)),
  };
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
