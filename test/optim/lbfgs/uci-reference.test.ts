import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/backend/index.js';
import { HYPERPARAMETER_SCHEMAS } from '../../../src/config/hyperparameters.js';
import { modelByName } from '../../../src/models/zoo.js';
import { createOptimizer } from '../../../src/optim/registry.js';
import { train } from '../../../src/train/loop.js';
import type { StepRecord } from '../../../src/train/types.js';
import { uciEnergy } from '../../train/helpers.js';

/**
 * compat 'reference' on the paper's own problem (UCI Energy, full batch, the MLP 8 -> 7 x 12 ReLU
 * -> 1 from sfn's initial parameters of each seed) against the paper's code run on the same
 * problem: its extern/_lbfgs.py as WrappedLBFGS ran it, JAX 0.3.14's line search, float32, jit
 * (scripts/lbfgs-jax-crosscheck.py, which says how; the problem written by
 * scripts/lbfgs-uci-dump.ts). Per step: iterations k, evaluations nfev, status, the final loss f
 * and gamma from that run. Only the first two steps are pinned: after them the float32 rounding
 * of two different implementations (XLA against TensorFlow.js) takes the runs apart.
 */
before(async () => {
  await initBackend('wasm');
});

interface Expected {
  k: number;
  nfev: number;
  status: number;
  f: number;
  /** NaN: the run's last pair had y = 0 */
  gamma: number;
  /** the parameters after the step are finite */
  finite: boolean;
}

const PAPER_CODE: Record<number, Expected[]> = {
  // the zoom entered with a_lo = 1 > a_hi = 0 fails on its signed width and returns a = 1 with the
  // old gradient: y = 0, gamma = 0/0, and the next run's direction is NaN
  0: [
    { k: 2, nfev: 4, status: 5, f: 0.21598120033740997, gamma: NaN, finite: true },
    { k: 1, nfev: 20, status: 5, f: 0.21598120033740997, gamma: NaN, finite: false },
  ],
  1: [
    { k: 3, nfev: 7, status: 5, f: 0.41205894947052, gamma: 0.04456063359975815, finite: true },
    { k: 16, nfev: 26, status: 2, f: 0.0399651862680912, gamma: 0.23552407324314117, finite: true },
  ],
  2: [
    { k: 2, nfev: 5, status: 5, f: 0.3605630397796631, gamma: 0.20334063470363617, finite: true },
    { k: 3, nfev: 5, status: 5, f: 0.12417127192020416, gamma: 0.24899765849113464, finite: true },
  ],
  9: [
    { k: 2, nfev: 5, status: 5, f: 0.32444003224372864, gamma: NaN, finite: true },
    { k: 1, nfev: 20, status: 5, f: 0.32444003224372864, gamma: NaN, finite: false },
  ],
};

for (const [seed, expected] of Object.entries(PAPER_CODE).map(([s, e]) => [Number(s), e] as const)) {
  test(`seed ${seed}: the first two steps take the paper's code's iterations, evaluations and statuses to its losses and gamma`, async () => {
    const hp = HYPERPARAMETER_SCHEMAS.lbfgs.parse({ compat: 'reference' });
    const optimizer = createOptimizer({ name: 'lbfgs', hyperparameters: hp }, { parameterCount: 1057, seed });
    const records: StepRecord[] = [];
    const result = await train({
      dataset: await uciEnergy(),
      model: modelByName('uci-mlp'),
      optimizer,
      seed,
      epochs: 2,
      batchSize: 'full',
      onStep: (r) => records.push(r),
    });
    assert.equal(records.length, 2);
    for (const [i, e] of expected.entries()) {
      const r = records[i];
      const label = `seed ${seed} step ${i + 1}`;
      const info = r.info;
      assert.deepEqual({ k: info.iterations, nfev: info.evaluations, status: info.status }, { k: e.k, nfev: e.nfev, status: e.status }, label);
      // the logged training loss is the run's final f (float32 values of two implementations)
      assert.ok(Math.abs(r.trainLoss - e.f) <= 1e-5 * e.f, `${label}: f ${r.trainLoss}, the paper's code ${e.f}`);
      if (Number.isNaN(e.gamma)) assert.ok(Number.isNaN(info.gamma), `${label}: gamma ${info.gamma}`);
      else assert.ok(Math.abs(info.gamma - e.gamma) <= 1e-3 * e.gamma, `${label}: gamma ${info.gamma}, the paper's code ${e.gamma}`);
      // the trainer evaluates after each step: non-finite parameters give a non-finite test loss
      assert.equal(Number.isFinite(r.testLoss), e.finite, `${label}: test loss ${r.testLoss}`);
    }
    assert.equal(result.stopReason, expected.at(-1)!.finite ? 'epochs' : 'diverged');
  });
}
