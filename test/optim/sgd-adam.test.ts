import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import type { Objective } from '../../src/autodiff/objective.js';
import { make } from './make.js';
import { sgd } from '../../src/optim/sgd.js';
import { adam } from '../../src/optim/adam.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

before(async () => {
  await initBackend('cpu');
});

/** L(w) = 0.5 sum a_i w_i^2, so g = a * w: gradients are easy to do by hand. */
function quadratic(a: number[], params: tf.Tensor1D): Objective {
  const grad = () => tf.tidy(() => tf.mul(params, tf.tensor1d(a)) as tf.Tensor1D);
  return {
    size: a.length,
    loss: () => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(tf.square(params), tf.tensor1d(a)))) as tf.Scalar),
    grad,
    lossAndGrad: () => ({ loss: tf.scalar(0), grad: grad() }),
    hvp: () => {
      throw new Error('not needed');
    },
    hvpBatch: () => {
      throw new Error('not needed');
    },
    hessian: () => Promise.reject(new Error('not needed')),
    at: () => {
      throw new Error('not needed');
    },
  };
}

async function run<S>(opt: Optimizer<S>, a: number[], w0: number[], steps: number): Promise<{ ws: number[][]; infos: Record<string, number>[] }> {
  let params = tf.tensor1d(w0);
  let state = opt.init(params);
  const ws: number[][] = [];
  const infos: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) {
    const r = await opt.step(quadratic(a, params), params, state);
    params.dispose();
    params = r.params;
    state = r.state;
    ws.push(Array.from(await params.data()));
    infos.push(r.info);
  }
  opt.dispose(state);
  params.dispose();
  return { ws, infos };
}

function close(got: number[], want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= tol, `index ${i}: got ${g}, want ${want[i]}`));
}

test('sgd: w <- w - lr g, by hand', async () => {
  // g = [2*1, 3*(-2)] = [2, -6]; w1 = [1 - 0.2, -2 + 0.6]; g1 = [1.6, -4.2]; w2 = [0.8 - 0.16, -1.4 + 0.42]
  const { ws, infos } = await run(make(sgd, { lr: 0.1 }), [2, 3], [1, -2], 2);
  close(ws[0], [0.8, -1.4]);
  close(ws[1], [0.64, -0.98]);
  assert.deepEqual(infos[0], { lr: 0.1 });
});

test('adam: bias-corrected moments, two steps by hand', async () => {
  // step 1: m_hat = g, v_hat = g^2, so the update is lr * sign(g) (up to eps)
  // step 2: g = [1.8, -5.7]; m = [0.36, -1.11]; v = [0.007236, 0.068454];
  //   m_hat = m / 0.19, v_hat = v / 0.001999; w2 = w1 - 0.1 m_hat / (sqrt(v_hat) + 1e-8)
  const { ws } = await run(make(adam, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 }), [2, 3], [1, -2], 2);
  close(ws[0], [0.9, -1.9]);
  close(ws[1], [0.8004122287, -1.8001664859]);
});

test('adam: eps sits outside the square root', async () => {
  // one step with eps 0.5: update = 0.1 g / (|g| + 0.5): [0.1*2/2.5, -0.1*6/6.5]
  // (with eps inside the root it would be 0.1*2/sqrt(4.5) = 0.0943)
  const { ws } = await run(make(adam, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 0.5 }), [2, 3], [1, -2], 1);
  close(ws[0], [0.92, -1.9076923077]);
});

test('adam matches a float64 loop over many steps with the UCI-tuned betas', async () => {
  const hp = { lr: 0.09201, eps: 0.05873, beta1: 0.8361, beta2: 0.7247 };
  const a = [0.5, 2, 7];
  const w = [1.5, -0.7, 0.3];
  const { ws } = await run(make(adam, hp), a, w, 50);
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  for (let t = 1; t <= 50; t++) {
    for (let i = 0; i < 3; i++) {
      const g = a[i] * w[i];
      m[i] = hp.beta1 * m[i] + (1 - hp.beta1) * g;
      v[i] = hp.beta2 * v[i] + (1 - hp.beta2) * g * g;
      w[i] -= (hp.lr * m[i]) / (1 - hp.beta1 ** t) / (Math.sqrt(v[i] / (1 - hp.beta2 ** t)) + hp.eps);
    }
  }
  close(ws[49], w, 1e-5);
});

test('optimiser steps keep the tensor count flat', async () => {
  for (const opt of [make(sgd, { lr: 0.01 }), make(adam, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 })] as Optimizer[]) {
    let params = tf.tensor1d([1, 2, 3]);
    let state = opt.init(params);
    const step = async () => {
      const r = await opt.step(quadratic([1, 1, 1], params), params, state);
      params.dispose();
      params = r.params;
      state = r.state;
    };
    await step();
    const count = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await step();
    assert.equal(tf.memory().numTensors, count, `${opt.name} leaks tensors`);
    opt.dispose(state);
    params.dispose();
  }
});
