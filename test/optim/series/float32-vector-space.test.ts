import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { TfVectorSpace } from '../../../src/optim/series/tf-vector-space.js';
import { Float32VectorSpace } from '../../../src/optim/series/float32-vector-space.js';
import { modelObjective, type ObjectiveEngine } from '../../../src/autodiff/model-objective.js';
import { hasHostProducts, type Objective } from '../../../src/autodiff/objective.js';
import { createOptimizer } from '../../../src/optim/registry.js';
import { oursAdaptive } from '../../../src/optim/ours-adaptive.js';
import { ours } from '../../../src/optim/ours.js';
import { modelByName } from '../../../src/models/zoo.js';
import { initParams } from '../../../src/models/init.js';
import { disposeBatch, toEngineBatch } from '../../../src/check/engine.js';
import { makeProblemFor } from '../../../src/check/problem.js';
import { Rng } from '../../../src/util/random.js';

/**
 * Float32VectorSpace computes on host arrays what TfVectorSpace computes on float32 tensors, to the
 * last bit, so the series optimisers give the same results whichever runs them (the host one where
 * the Objective has host products: the dense-chain engine).
 */

const random = (rng: Rng, n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: every operation equals TfVectorSpace's bit for bit`, async () => {
    await initBackend(backend, { tapeGradients: false });
    const rng = new Rng(3);
    const host = new Float32VectorSpace();
    const dev = new TfVectorSpace('float64');
    const n = 1001;
    const [a, b, c, d] = [random(rng, n), random(rng, n, 1e-3), random(rng, n, 1e3), random(rng, n)];
    const [ta, tb, tc, td] = [a, b, c, d].map((x) => tf.tensor1d(x));
    const alpha = 0.1234567891234; // not a float32: both round it first
    const pairs: [string, Float32Array, tf.Tensor1D][] = [
      ['add', host.add(a, b), dev.add(ta, tb)],
      ['sub', host.sub(c, a), dev.sub(tc, ta)],
      ['scale', host.scale(c, alpha), dev.scale(tc, alpha)],
      ['axpy', host.axpy(-alpha, a, c), dev.axpy(-alpha, ta, tc)],
      ['linearCombination of 1', host.linearCombination([alpha], [d]), dev.linearCombination([alpha], [td])],
      ['linearCombination of 4', host.linearCombination([alpha, -3.7, 1e-5, 2.2], [a, b, c, d]), dev.linearCombination([alpha, -3.7, 1e-5, 2.2], [ta, tb, tc, td])],
    ];
    for (const [name, h, t] of pairs) {
      assert.deepEqual(h, t.dataSync(), name);
      t.dispose();
    }
    assert.equal(host.dot(a, c), await dev.dot(ta, tc));
    assert.equal(host.norm(c), await dev.norm(tc));
    tf.dispose([ta, tb, tc, td]);
  });
}

/** the Objective without its host products, so that the series runs on tensors */
function withoutHostProducts<O extends Objective>(o: O): O {
  return new Proxy(o, {
    get(target, key) {
      if (key === 'hvpHost') return undefined;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

test('wasm: Ours and Ours (Adaptive) steps on the UCI MLP give the same parameters with the series on the host or on tensors', async () => {
  await initBackend('wasm', { tapeGradients: false });
  const def = modelByName('uci-mlp');
  const p = makeProblemFor(def, 9, { batchSize: 64, maskedRows: [5] });
  const batch = toEngineBatch(def, p.batch);
  const optimisers = [
    () => createOptimizer({ name: 'ours-adaptive', hyperparameters: oursAdaptive.schema.parse({ K: 8, N: 3, damping: 2.3e-3, compat: 'reference' }) }, { parameterCount: 1057, seed: 0 }),
    () => createOptimizer({ name: 'ours-adaptive', hyperparameters: oursAdaptive.schema.parse({ K: 6, N: 2, damping: 2.3e-3, accelerator: 'sablonniere' }) }, { parameterCount: 1057, seed: 0 }),
    () => createOptimizer({ name: 'ours', hyperparameters: ours.schema.parse({ K: 5, N: 1, lr: 1.5, momentum: 0.2, damping: 0.06 }) }, { parameterCount: 1057, seed: 0 }),
  ];
  for (const make of optimisers) {
    const runs = ([['dense-kernel', true], ['dense-kernel', false], ['layers', false]] as [ObjectiveEngine, boolean][]).map(([engine, host]) => {
      return async () => {
        const opt = make();
        let params = tf.tensor1d(initParams(def.spec, 2));
        let state = opt.init(params);
        for (let i = 0; i < 12; i++) {
          const o = modelObjective(def, params, batch, { engine });
          assert.equal(hasHostProducts(o), engine === 'dense-kernel');
          const r = await opt.step(host ? o : withoutHostProducts(o), params, state);
          o.dispose();
          params.dispose();
          params = r.params;
          state = r.state;
        }
        opt.dispose(state);
        const out = params.dataSync();
        params.dispose();
        return out;
      };
    });
    const [onHost, onTensors, layers] = [await runs[0](), await runs[1](), await runs[2]()];
    assert.deepEqual(onHost, onTensors);
    assert.deepEqual(onHost, layers);
  }
  disposeBatch(batch);
});
