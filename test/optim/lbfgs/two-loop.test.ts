import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { Float64LbfgsSpace, TfLbfgsSpace } from '../../../src/optim/lbfgs/space.js';
import { LbfgsHistory, lbfgsDirection } from '../../../src/optim/lbfgs/two-loop.js';
import { Rng } from '../../../src/util/random.js';
import { dot, maxAbsDiff } from './fixtures.js';

/**
 * The two-loop recursion against the explicit inverse-BFGS matrix: on a convex quadratic
 * (Hessian A, so y = A s for every pair), H_0 = gamma I updated once per pair, oldest first, by
 *   H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T,
 * built here as a dense float64 matrix; the recursion's direction must be -H g.
 */
before(async () => {
  await initBackend('cpu');
});

const n = 6;
const space = new Float64LbfgsSpace();

function randomSpd(rng: Rng): number[][] {
  // A = B B^T + I
  const B = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  return B.map((bi, i) => B.map((bj, j) => dot(bi, bj) + (i === j ? 1 : 0)));
}

const matVec = (M: number[][], v: ArrayLike<number>): Float64Array => Float64Array.from(M, (row) => dot(row, v));

/** the inverse-BFGS update of a dense H by one pair */
function bfgsInverseUpdate(H: number[][], s: Float64Array, y: Float64Array): number[][] {
  const rho = 1 / dot(y, s);
  // E = I - rho s y^T; H' = E H E^T + rho s s^T
  const E = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - rho * s[i] * y[j]));
  const EH = E.map((row) => Array.from({ length: n }, (_, j) => row.reduce((acc, e, k) => acc + e * H[k][j], 0)));
  return EH.map((row, i) => Array.from({ length: n }, (_, j) => row.reduce((acc, e, k) => acc + e * E[j][k], 0) + rho * s[i] * s[j]));
}

function setup(seed: number, pairs: number) {
  const rng = new Rng(seed);
  const A = randomSpd(rng);
  const ss = Array.from({ length: pairs }, () => Float64Array.from({ length: n }, () => rng.normal()));
  const ys = ss.map((s) => matVec(A, s));
  const g = Float64Array.from({ length: n }, () => rng.normal());
  const gamma = dot(ss[pairs - 1], ys[pairs - 1]) / dot(ys[pairs - 1], ys[pairs - 1]);
  return { A, ss, ys, g, gamma };
}

function explicitDirection(ss: Float64Array[], ys: Float64Array[], gamma: number, g: Float64Array): Float64Array {
  let H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? gamma : 0)));
  for (let k = 0; k < ss.length; k++) H = bfgsInverseUpdate(H, ss[k], ys[k]);
  return matVec(H, g).map((v) => -v);
}

const relativeError = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) / Math.max(...Array.from(b, Math.abs));

test('the two-loop direction equals -H g with H the explicit inverse-BFGS matrix (float64)', async () => {
  for (const pairs of [1, 3, 5]) {
    const { ss, ys, g, gamma } = setup(11 + pairs, pairs);
    const history = new LbfgsHistory(space, 10);
    ss.forEach((s, k) => history.push(Float64Array.from(s), Float64Array.from(ys[k]), 1 / dot(ys[k], s)));
    const p = await lbfgsDirection(space, history, g, gamma);
    const expected = explicitDirection(ss, ys, gamma, g);
    assert.ok(relativeError(p, expected) < 1e-12, `${pairs} pairs: relative error ${relativeError(p, expected)}`);
  }
});

test('the secant condition: H y = s for the newest pair, so the direction of y is -s', async () => {
  const { ss, ys, gamma } = setup(5, 4);
  const history = new LbfgsHistory(space, 4);
  ss.forEach((s, k) => history.push(Float64Array.from(s), Float64Array.from(ys[k]), 1 / dot(ys[k], s)));
  const p = await lbfgsDirection(space, history, ys[3], gamma);
  assert.ok(relativeError(p, ss[3].map((v) => -v)) < 1e-12, `relative error ${relativeError(p, ss[3].map((v) => -v))}`);
});

test('a bounded history keeps the newest pairs, and `count` uses only the newest ones', async () => {
  const { ss, ys, g, gamma } = setup(23, 5);
  const history = new LbfgsHistory(space, 3);
  ss.forEach((s, k) => history.push(Float64Array.from(s), Float64Array.from(ys[k]), 1 / dot(ys[k], s)));
  assert.equal(history.length, 3);
  const all = await lbfgsDirection(space, history, g, gamma);
  assert.ok(relativeError(all, explicitDirection(ss.slice(2), ys.slice(2), gamma, g)) < 1e-12);
  const newestTwo = await lbfgsDirection(space, history, g, gamma, 2);
  assert.ok(relativeError(newestTwo, explicitDirection(ss.slice(3), ys.slice(3), gamma, g)) < 1e-12);
  // no pairs: -gamma g
  assert.deepEqual(Array.from(await lbfgsDirection(space, history, g, gamma, 0)), Array.from(g, (v) => -gamma * v));
  assert.throws(() => history.newest(4), /newest 4 pairs of 3/);
  assert.throws(() => new LbfgsHistory(space, 0), /at least 1/);
});

test('on float32 tensors the direction matches the float64 one to float32 accuracy, and frees every intermediate', async () => {
  const { ss, ys, g, gamma } = setup(31, 4);
  const tfSpace = new TfLbfgsSpace();
  const history = new LbfgsHistory(tfSpace, 3);
  const before = tf.memory().numTensors;
  ss.forEach((s, k) => history.push(tf.tensor1d(Float32Array.from(s)), tf.tensor1d(Float32Array.from(ys[k])), 1 / dot(ys[k], s)));
  assert.equal(tf.memory().numTensors, before + 6, 'the history holds three pairs (the dropped one is freed)');
  const gt = tf.tensor1d(Float32Array.from(g));
  const p = await lbfgsDirection(tfSpace, history, gt, gamma);
  assert.equal(tf.memory().numTensors, before + 8, 'one new tensor: the direction');
  const expected = explicitDirection(ss.slice(1), ys.slice(1), gamma, g);
  assert.ok(relativeError(p.dataSync(), expected) < 1e-4, `relative error ${relativeError(p.dataSync(), expected)}`);
  tf.dispose([p, gt]);
  history.dispose();
  assert.equal(tf.memory().numTensors, before);
});
