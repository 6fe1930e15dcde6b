/**
 * The figures of `npm run bench`, grouped by what they share (a model, its parameters and batch).
 * Each figure is one repetition of something sfn does, including the device read that makes its
 * result available, and names the PyTorch peer's figure that does the same work, where there is one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { modelByName, type ModelDef } from '../../src/models/zoo.js';
import { initParams } from '../../src/models/init.js';
import { modelObjective, type Batch } from '../../src/autodiff/model-objective.js';
import { Rng } from '../../src/util/random.js';
import { HYPERPARAMETER_SCHEMAS } from '../../src/config/hyperparameters.js';
import { lbfgs, type PointObjective } from '../../src/optim/lbfgs/optimizer.js';
import { symmetricSpectrum } from '../../src/linalg/spectral.js';
import { wasmSimdAvailable } from '../../src/linalg/rank-two-kernel.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { exactSfn } from '../../src/optim/exact-sfn.js';
import { oursAdaptive } from '../../src/optim/ours-adaptive.js';
import { EvalSet, evaluate } from '../../src/train/evaluation.js';
import type { Split } from '../../src/data/types.js';
import type { SettleOptions } from './timing.js';

export interface Figure {
  key: string;
  /** what one repetition is */
  what: string;
  /** the peer's figure doing the same work (scripts/peers/torch_hvp_peer.py), if any */
  peer?: string;
  run: () => Promise<void> | void;
  settle?: SettleOptions;
  /** fewer timed rounds for slow figures */
  rounds?: number;
}

export interface Group {
  name: string;
  /** builds the shared tensors and the figures; dispose frees them */
  setup(): Promise<{ figures: Figure[]; info: Record<string, unknown>; dispose(): void }>;
}

function randomBatch(def: ModelDef, rows: number, rng: Rng): Batch {
  const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: rows * inSize }, () => rng.normal()), [rows, ...def.spec.inputShape]);
  const targets = def.loss === 'mse'
    ? tf.tensor2d(Float32Array.from({ length: rows * def.spec.outputSize }, () => rng.normal()), [rows, def.spec.outputSize])
    : tf.tensor1d(Float32Array.from({ length: rows }, () => rng.int(def.spec.outputSize)));
  return { x, targets, mask: tf.ones([rows]) as tf.Tensor1D };
}

const disposeBatch = (b: Batch) => tf.dispose([b.x, b.targets, b.mask]);

/** gradient (a fresh Objective: forward and backward), warm HVP (cached passes), cold HVP */
function modelGroup(name: string, model: string, rows: number, peer: string, slow = false): Group {
  return {
    name,
    async setup() {
      const def = modelByName(model);
      const rng = new Rng(7);
      const params = tf.tensor1d(initParams(def.spec, 1));
      const batch = randomBatch(def, rows, rng);
      const v = tf.tensor1d(Float32Array.from({ length: params.size }, () => rng.normal()));
      const warm = modelObjective(def, params, batch, { checkFinite: false });
      warm.grad().dispose();
      const settle = slow ? { maxReps: 12, maxSeconds: 20 } : undefined;
      const rounds = slow ? 7 : undefined;
      const figures: Figure[] = [
        {
          key: `${name}.grad`, what: 'loss and gradient: forward and backward pass on a fresh Objective', peer: `${peer}/grad`, settle, rounds,
          run: async () => {
            const o = modelObjective(def, params, batch, { checkFinite: false });
            const g = o.grad();
            await g.data();
            g.dispose();
            o.dispose();
          },
        },
        {
          key: `${name}.hvp`, what: 'one H v reusing the cached forward and backward passes (as the series does)', peer: `${peer}/hvp_warm`, settle, rounds,
          run: async () => {
            const h = warm.hvp(v);
            await h.data();
            h.dispose();
          },
        },
        {
          key: `${name}.hvpCold`, what: 'one H v on a fresh Objective (forward, backward, R-operator passes)', peer: `${peer}/hvp`, settle, rounds,
          run: async () => {
            const o = modelObjective(def, params, batch, { checkFinite: false });
            const h = o.hvp(v);
            await h.data();
            h.dispose();
            o.dispose();
          },
        },
      ];
      return {
        figures,
        info: { model, rows, parameters: params.size },
        dispose: () => {
          warm.dispose();
          disposeBatch(batch);
          tf.dispose([params, v]);
        },
      };
    },
  };
}

/** the explicit Hessian of the UCI MLP (both routes), Exact SFN's eigen-solve of it, one Exact SFN step */
const uciHessianGroup: Group = {
  name: 'uciHessian',
  async setup() {
    const def = modelByName('uci-mlp');
    const rng = new Rng(7);
    const params = tf.tensor1d(initParams(def.spec, 1));
    const batch = randomBatch(def, 588, rng);
    const size = params.size;
    const warm = modelObjective(def, params, batch, { checkFinite: false });
    const h = await warm.hessian();
    const g = Float64Array.from({ length: size }, () => rng.normal());
    const f = (lambda: number) => (Math.abs(lambda) <= 1e-4 ? 1e4 : 1 / Math.abs(lambda)); // Exact SFN's thresholded |lambda|^-1
    const sfn = createOptimizer(
      { name: 'exact-sfn', hyperparameters: exactSfn.schema.parse({ lr: 4.901e-3, momentum: 0.06381, smallEigLr: 1.544, threshold: 5.205e-4 }) },
      { parameterCount: size, seed: 0 },
    );
    let state = sfn.init(params);
    let current = tf.clone(params);
    const slow = { maxReps: 10, maxSeconds: 15 };
    const figures: Figure[] = [
      {
        key: 'uciHessian.hessian', what: 'the explicit 1057 x 1057 Hessian on a fresh Objective (direct dense-chain route)', peer: 'uci_hessian/full', settle: slow, rounds: 7,
        run: async () => {
          const o = modelObjective(def, params, batch, { checkFinite: false });
          await o.hessian();
          o.dispose();
        },
      },
      {
        key: 'uciHessian.hessianByProducts', what: 'the same Hessian from batched HVPs (the general route)', settle: { maxReps: 4, maxSeconds: 10 }, rounds: 3,
        run: async () => {
          const o = modelObjective(def, params, batch, { checkFinite: false, hessianByProducts: true });
          await o.hessian();
          o.dispose();
        },
      },
      {
        key: 'uciHessian.eigenDecomposition', what: 'symmetric eigendecomposition of the Hessian in float64', peer: 'uci_hessian/eigh_float64', settle: slow, rounds: 7,
        run: () => {
          symmetricSpectrum(h, size);
        },
      },
      {
        key: 'uciHessian.eigenSolve', what: 'eigendecomposition plus one f(H) x (Exact SFN)', settle: slow, rounds: 7,
        run: () => {
          symmetricSpectrum(h, size).apply(f, g);
        },
      },
      {
        key: 'uciHessian.eigenSolveJs', what: 'the same with the plain-JavaScript kernel', settle: slow, rounds: 5,
        run: () => {
          symmetricSpectrum(h, size, { kernel: 'js' }).apply(f, g);
        },
      },
      {
        key: 'uciHessian.exactSfnStep', what: 'one Exact SFN step (Hessian, eigen-solve, update; tuned UCI values), continuing', settle: slow, rounds: 7,
        run: async () => {
          const o = modelObjective(def, current, batch, { checkFinite: false });
          const r = await sfn.step(o, current, state);
          await r.params.data();
          o.dispose();
          current.dispose();
          current = r.params;
          state = r.state;
        },
      },
    ];
    return {
      figures,
      info: { model: 'uci-mlp', rows: 588, parameters: size, eigenKernel: wasmSimdAvailable() ? 'wasm-simd' : 'js' },
      dispose: () => {
        sfn.dispose(state);
        warm.dispose();
        disposeBatch(batch);
        tf.dispose([params, current]);
      },
    };
  },
};

/** one L-BFGS training step (a whole inner run, reference settings) continuing from the previous one */
const lbfgsGroup: Group = {
  name: 'lbfgsStepUci',
  async setup() {
    const def = modelByName('uci-mlp');
    const rng = new Rng(7);
    const batch = randomBatch(def, 588, rng);
    const opt = lbfgs(HYPERPARAMETER_SCHEMAS.lbfgs.parse({}));
    let params = tf.tensor1d(initParams(def.spec, 1));
    let state = opt.init(params);
    const evaluations: number[] = [];
    const at = (p: tf.Tensor1D) => {
      const o = modelObjective(def, p, batch, { checkFinite: false });
      try {
        return o.lossAndGrad();
      } finally {
        o.dispose();
      }
    };
    const figures: Figure[] = [{
      key: 'lbfgsStepUci.step', what: 'one L-BFGS step on the UCI MLP (reference settings: 20 iterations, 25 evaluations)',
      run: async () => {
        const objective = Object.assign(modelObjective(def, params, batch, { checkFinite: false }), { at }) as PointObjective & { dispose(): void };
        try {
          const r = await opt.step(objective, params, state);
          params.dispose();
          params = r.params;
          state = r.state;
          evaluations.push(r.info.evaluations);
        } finally {
          objective.dispose();
        }
      },
    }];
    return {
      figures,
      info: { model: 'uci-mlp', rows: 588, get evaluationsPerStep() { return evaluations.sort((a, b) => a - b)[evaluations.length >> 1]; } },
      dispose: () => {
        opt.dispose(state);
        params.dispose();
        disposeBatch(batch);
      },
    };
  },
};

/**
 * One Ours (Adaptive) training step with the experiment's `code` preset (compat reference, as
 * configs/*.yaml run it): the series of 2(K-1) HVPs, its acceleration, the model and the loss at
 * the new point. Each step continues from the last, on one batch.
 */
function oursAdaptiveGroup(name: string, model: string, rows: number, hp: { K: number; N: number; damping: number }): Group {
  return {
    name,
    async setup() {
      const def = modelByName(model);
      const rng = new Rng(7);
      const batch = randomBatch(def, rows, rng);
      let params = tf.tensor1d(initParams(def.spec, 1));
      const opt = createOptimizer(
        { name: 'ours-adaptive', hyperparameters: oursAdaptive.schema.parse({ ...hp, compat: 'reference', accelerator: 'sablonniere', V0: 100 }) },
        { parameterCount: params.size, seed: 0 },
      );
      let state = opt.init(params);
      const figures: Figure[] = [{
        key: `${name}.step`, what: `one Ours (Adaptive) step, K ${hp.K}, N ${hp.N}, batch ${rows} (${2 * (hp.K - 1)} HVPs, the loss at the new point)`,
        run: async () => {
          const o = modelObjective(def, params, batch, { checkFinite: false });
          const r = await opt.step(o, params, state);
          await r.params.data();
          o.dispose();
          params.dispose();
          params = r.params;
          state = r.state;
        },
      }];
      return {
        figures,
        info: { model, rows, ...hp, compat: 'reference' },
        dispose: () => {
          opt.dispose(state);
          params.dispose();
          disposeBatch(batch);
        },
      };
    },
  };
}

/** one evaluation of Fashion-MNIST's 10,000 validation and 10,000 test rows, as the training loop does per step */
const fashionEvalGroup: Group = {
  name: 'fashionEval20000',
  async setup() {
    const def = modelByName('fmnist-mlp');
    const rng = new Rng(7);
    const split = (): Split => ({
      x: Float32Array.from({ length: 10_000 * 784 }, () => rng.normal()),
      y: Float32Array.from({ length: 10_000 }, () => rng.int(10)),
      rows: 10_000,
      inputShape: [784],
      targetShape: [],
    });
    const sets = [new EvalSet(split()), new EvalSet(split())];
    const params = tf.tensor1d(initParams(def.spec, 1));
    const running = new Map();
    const figures: Figure[] = [{
      key: 'fashionEval20000.eval', what: 'loss and accuracy of 20,000 rows (validation + test), read from the device', peer: 'fmnist_eval_20000/eval',
      run: async () => {
        const scalars = (await evaluate(def, params, running, sets, true)).flatMap((e) => [e.loss, e.accuracy!]);
        const packed = tf.stack(scalars);
        tf.dispose(scalars);
        await packed.data();
        packed.dispose();
      },
    }];
    return {
      figures,
      info: { model: 'fmnist-mlp', rows: 20_000 },
      dispose: () => {
        sets.forEach((s) => s.dispose());
        params.dispose();
      },
    };
  },
};

export const GROUPS: Group[] = [
  modelGroup('uciMlp', 'uci-mlp', 588, 'uci_mlp_relu'),
  modelGroup('uciMlpTanh', 'uci-mlp-tanh', 588, 'uci_mlp_tanh'),
  modelGroup('fmnistMlp400', 'fmnist-mlp', 400, 'fmnist_mlp_b400'),
  modelGroup('fmnistMlp3200', 'fmnist-mlp', 3200, 'fmnist_mlp_b3200'),
  modelGroup('resnet18Batch8', 'resnet18', 8, 'resnet18_b8', true),
  uciHessianGroup,
  lbfgsGroup,
  oursAdaptiveGroup('oursAdaptiveStepUci', 'uci-mlp', 588, { K: 16, N: 6, damping: 2.322e-3 }),
  oursAdaptiveGroup('oursAdaptiveStepFashion400', 'fmnist-mlp', 400, { K: 10, N: 1, damping: 1.809e-3 }),
  fashionEvalGroup,
];
