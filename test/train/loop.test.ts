import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelByName } from '../../src/models/zoo.js';
import { make } from '../optim/make.js';
import { adam } from '../../src/optim/adam.js';
import { sgd } from '../../src/optim/sgd.js';
import { train } from '../../src/train/loop.js';
import type { StepRecord, TrainOptions } from '../../src/train/types.js';
import type { Dataset } from '../../src/data/types.js';
import { uciEnergy } from './helpers.js';

let uci: Dataset;
const UCI_ADAM = { lr: 0.09201, eps: 0.05873, beta1: 0.8361, beta2: 0.7247 };

before(async () => {
  await initBackend('wasm');
  uci = await uciEnergy();
});

async function record(o: Omit<TrainOptions, 'onStep'>) {
  const steps: StepRecord[] = [];
  const result = await train({ ...o, onStep: (r) => steps.push(r) });
  return { result, steps };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('UCI Energy, full batch, Adam: the training loss falls and every step is evaluated', async () => {
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(adam, UCI_ADAM), seed: 0, epochs: 6000, batchSize: 'full', maxSteps: 300,
  });
  assert.equal(result.stopReason, 'max-steps');
  assert.equal(result.steps, 300);
  assert.equal(steps.length, 300);
  assert.deepEqual(steps.map((s) => s.step), Array.from({ length: 300 }, (_, i) => i + 1));
  // full batch: one step per epoch
  assert.deepEqual([steps[0].epoch, steps[299].epoch], [0, 299]);
  const first = steps[0].trainLoss;
  const late = mean(steps.slice(-20).map((s) => s.trainLoss));
  assert.ok(first > 0.3 && first < 1, `initial loss on standardised targets is about 0.5, got ${first}`);
  assert.ok(late < 0.1 * first, `training loss should fall by 10x: ${first} -> ${late}`);
  for (const s of steps) {
    assert.ok(Number.isFinite(s.valLoss) && Number.isFinite(s.testLoss), `step ${s.step} evaluated`);
    assert.equal(s.valAccuracy, undefined);
    assert.ok(s.wallTimeExclEval <= s.wallTime);
    assert.deepEqual(s.info, { lr: UCI_ADAM.lr });
  }
  assert.ok(mean(steps.slice(-20).map((s) => s.valLoss!)) < 0.2 * steps[0].valLoss!, 'validation loss falls too');
  assert.ok(result.evalSeconds > 0 && result.evalSeconds < result.wallSeconds);
  assert.equal(result.lastEval, result.last);
});

test('UCI Energy, full batch, SGD: the training loss falls', async () => {
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.09725 }), seed: 1, epochs: 6000, batchSize: 'full', maxSteps: 300,
  });
  assert.equal(result.stopReason, 'max-steps');
  const first = steps[0].trainLoss;
  const late = mean(steps.slice(-20).map((s) => s.trainLoss));
  assert.ok(late < 0.3 * first, `training loss should fall: ${first} -> ${late}`);
});

test('the same seed gives the same run; another seed another initialisation', async () => {
  const run = async (seed: number) =>
    (await record({ dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed, epochs: 5, batchSize: 100 })).steps.map((s) => s.trainLoss);
  const a = await run(3);
  assert.deepEqual(await run(3), a);
  assert.notDeepEqual(await run(4), a);
});

test('a huge learning rate diverges: recorded as diverged with every step kept', async () => {
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 1000 }), seed: 0, epochs: 100, batchSize: 'full',
  });
  assert.equal(result.stopReason, 'diverged');
  assert.ok(result.steps >= 2 && result.steps < 100, `stops early, after ${result.steps} steps`);
  assert.equal(steps.length, result.steps);
  assert.ok(Number.isFinite(steps[0].trainLoss));
  assert.match(result.divergence ?? '', /training loss (Infinity|NaN)|non-finite parameters/);
  const lastStep = steps[steps.length - 1];
  assert.ok(!Number.isFinite(lastStep.trainLoss) || result.divergence!.includes('parameters'));
  assert.equal(result.last, lastStep);
});

test('evaluation every k steps, and always at the last step', async () => {
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 0, epochs: 100, batchSize: 'full', maxSteps: 20, evalInterval: 7,
  });
  assert.equal(result.steps, 20);
  const evaluated = steps.filter((s) => s.valLoss !== undefined).map((s) => s.step);
  assert.deepEqual(evaluated, [7, 14, 20]);
  assert.ok(steps.filter((s) => s.valLoss !== undefined).every((s) => s.testLoss !== undefined));
  assert.equal(result.lastEval?.step, 20);
});

test('minibatches: reference padding, epochs counted, the last batch of the last epoch ends the run', async () => {
  // 588 rows in batches of 100: 600 slots (12 masked rows), 6 steps per epoch
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 2, epochs: 3, batchSize: 100, evalInterval: 4,
  });
  assert.equal(result.stopReason, 'epochs');
  assert.equal(result.steps, 18);
  assert.equal(result.epochs, 3);
  assert.deepEqual(steps.map((s) => s.epoch), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual(steps.filter((s) => s.valLoss !== undefined).map((s) => s.step), [4, 8, 12, 16, 18]);
});

test('a time budget stops the run', async () => {
  const { result } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 0, epochs: 100000, batchSize: 'full', timeBudgetSeconds: 0.4,
  });
  assert.equal(result.stopReason, 'time-budget');
  assert.ok(result.steps > 1);
  assert.ok(result.wallSeconds >= 0.4, `wall ${result.wallSeconds}`); // (how soon after is load-dependent: not asserted)
  assert.ok(result.lastEval?.step === result.steps, 'the last step is evaluated');
});

test('aborting stops after the current step', async () => {
  const controller = new AbortController();
  const result = await train({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 0, epochs: 100000, batchSize: 'full',
    signal: controller.signal,
    onStep: (r) => {
      if (r.step === 5) controller.abort(); // as a signal handler would, in the middle of a run
    },
  });
  assert.equal(result.stopReason, 'interrupted');
  assert.equal(result.steps, 5, 'the run ends with the step during which it was aborted');
});

test('shouldStop ends the run after the step it answers true for, awaiting a promised answer', async () => {
  const asked: number[] = [];
  const { result, steps } = await record({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 0, epochs: 100, batchSize: 'full', maxSteps: 50,
    shouldStop: (r) => {
      asked.push(r.step);
      return r.step === 3 ? false : Promise.resolve(r.step === 7);
    },
  });
  assert.equal(result.stopReason, 'stopped');
  assert.equal(result.steps, 7);
  assert.deepEqual(asked, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(steps.length, 7);
});

test('the tensor count stays flat over many steps and returns to where it was', async () => {
  const before = tf.memory().numTensors;
  const counts = new Map<number, number>();
  await train({
    dataset: uci, model: modelByName('uci-mlp'), optimizer: make(adam, UCI_ADAM), seed: 0, epochs: 100, batchSize: 100, maxSteps: 120,
    onStep: (r) => counts.set(r.step, tf.memory().numTensors),
  });
  assert.equal(counts.get(10), counts.get(120), `tensors at step 10: ${counts.get(10)}, at step 120: ${counts.get(120)}`);
  assert.equal(counts.get(60), counts.get(120));
  assert.equal(tf.memory().numTensors, before, 'everything is freed at the end');
});

test('bad options are refused with what is wrong', async () => {
  const base = { dataset: uci, model: modelByName('uci-mlp'), optimizer: make(sgd, { lr: 0.05 }), seed: 0, epochs: 1, batchSize: 'full' as const };
  await assert.rejects(train({ ...base, epochs: 0 }), /epochs must be an integer >= 1/);
  await assert.rejects(train({ ...base, evalInterval: 0 }), /evaluation interval/);
  await assert.rejects(train({ ...base, model: modelByName('fmnist-mlp') }), /expects inputs of shape \[784\]/);
});
