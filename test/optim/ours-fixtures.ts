/**
 * Small explicit objectives for the series-optimiser tests:
 *   f(w) = 1/2 w^T H w + b.w + (gamma / 4) sum_i w_i^4
 * with an explicit symmetric H, so g = H w + b + gamma w^3 and the Hessian is H + 3 gamma diag(w^2).
 * Everything is available both as a tfjs Objective (what the optimisers see, float32) and in float64
 * (what the tests compare against).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../src/autodiff/objective.js';
import type { Optimizer, StepInfo } from '../../src/optim/optimizer.js';

export interface ExplicitProblem {
  /** symmetric, row-major n x n */
  H: number[][];
  b: number[];
  gamma: number;
}

export function explicitObjective(problem: ExplicitProblem, params: tf.Tensor1D): Objective {
  const n = problem.b.length;
  const lossOf = (p: tf.Tensor1D): tf.Scalar =>
    tf.tidy(() => {
      const H = tf.tensor2d(problem.H);
      const quadratic = tf.mul(0.5, tf.sum(tf.mul(p, tf.reshape(tf.matMul(H, tf.reshape(p, [n, 1])), [n]))));
      const linear = tf.sum(tf.mul(p, tf.tensor1d(problem.b)));
      const quartic = tf.mul(problem.gamma / 4, tf.sum(tf.pow(p, 4)));
      return tf.addN([quadratic, linear, quartic]) as tf.Scalar;
    });
  const gradOf = (p: tf.Tensor1D): tf.Tensor1D =>
    tf.tidy(() => {
      const H = tf.tensor2d(problem.H);
      return tf.addN([tf.reshape(tf.matMul(H, tf.reshape(p, [n, 1])), [n]), tf.tensor1d(problem.b), tf.mul(problem.gamma, tf.pow(p, 3))]) as tf.Tensor1D;
    });
  const grad = () => gradOf(params);
  const hvpBatch = (vs: tf.Tensor2D): tf.Tensor2D =>
    tf.tidy(() => {
      const H = tf.tensor2d(problem.H);
      const curvature = tf.reshape(tf.mul(3 * problem.gamma, tf.square(params)), [1, n]);
      return tf.add(tf.matMul(vs, H, false, true), tf.mul(vs, curvature)) as tf.Tensor2D;
    });
  const objective: Objective = {
    size: n,
    loss: () => lossOf(params),
    grad,
    lossAndGrad: () => ({ loss: lossOf(params), grad: grad() }),
    hvp: (v) => tf.tidy(() => tf.reshape(hvpBatch(tf.reshape(v, [1, n]) as tf.Tensor2D), [n]) as tf.Tensor1D),
    hvpBatch,
    hessian: async () => Float64Array.from(hessianF64(problem, Array.from(params.dataSync())).flat()),
    at: (p) => ({ loss: lossOf(p), grad: gradOf(p) }),
  };
  return objective;
}

/** float64 helpers for the same problem */
export function lossF64(problem: ExplicitProblem, w: number[]): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    let hw = 0;
    for (let j = 0; j < w.length; j++) hw += problem.H[i][j] * w[j];
    s += 0.5 * w[i] * hw + problem.b[i] * w[i] + (problem.gamma / 4) * w[i] ** 4;
  }
  return s;
}

export function gradF64(problem: ExplicitProblem, w: number[]): number[] {
  return w.map((wi, i) => problem.H[i].reduce((s, h, j) => s + h * w[j], 0) + problem.b[i] + problem.gamma * wi ** 3);
}

export function hessianF64(problem: ExplicitProblem, w: number[]): number[][] {
  return problem.H.map((row, i) => row.map((h, j) => h + (i === j ? 3 * problem.gamma * w[i] ** 2 : 0)));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * b[i], 0);
}

export function matVec(m: number[][], v: readonly number[]): number[] {
  return m.map((row) => dot(row, v));
}

/** a seeded symmetric matrix with eigenvalues `eigenvalues` (random orthogonal basis by Gram-Schmidt) */
export function symmetricWithSpectrum(eigenvalues: number[], seed: number): number[][] {
  const n = eigenvalues.length;
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const q: number[][] = [];
  for (let k = 0; k < n; k++) {
    let v = Array.from({ length: n }, random);
    for (const u of q) {
      const c = dot(u, v);
      v = v.map((x, i) => x - c * u[i]);
    }
    const norm = Math.sqrt(dot(v, v));
    q.push(v.map((x) => x / norm));
  }
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => q.reduce((s, u, k) => s + eigenvalues[k] * u[i] * u[j], 0)));
}

export interface Trajectory {
  /** parameters before each step and after the last */
  ws: number[][];
  infos: StepInfo[];
}

/** runs `steps` steps on the explicit problem; returns every iterate and step info */
export async function runSteps<S>(opt: Optimizer<S>, problem: ExplicitProblem, w0: number[], steps: number): Promise<Trajectory> {
  let params = tf.tensor1d(w0);
  let state = opt.init(params);
  const ws = [w0];
  const infos: StepInfo[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const r = await opt.step(explicitObjective(problem, params), params, state);
      params.dispose();
      params = r.params;
      state = r.state;
      ws.push(Array.from(params.dataSync()));
      infos.push(r.info);
    }
  } finally {
    opt.dispose(state);
    params.dispose();
  }
  return { ws, infos };
}
