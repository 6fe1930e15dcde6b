import * as tf from '@tensorflow/tfjs-core';
import { initParams } from '../models/init.js';
import { modelObjective, type Batch, type BatchNormStatistics } from '../autodiff/model-objective.js';
import type { HostBatch } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { BatchNormAverages } from './batchnorm-averages.js';
import { EvalSet, evaluate } from './evaluation.js';
import { runBatches } from './schedule.js';
import type { StepRecord, StopReason, TrainOptions, TrainResult } from './types.js';

/** Longest stretch, in milliseconds, the loop runs without letting the event loop turn. */
const YIELD_MS = 25;
/** backends whose kernels have finished when the call returns: timing needs no extra device read */
const SYNCHRONOUS_BACKENDS = ['wasm', 'cpu'];

/**
 * Trains one model with one optimiser and seed. Per step: the Objective on the step's batch, its
 * loss before the update (the logged training loss), the optimiser step, the batch-norm running
 * averages, and at evaluation steps the validation and test losses (and accuracies) after the
 * update. Everything a step measures is read from the device in one read. A step whose training
 * loss or updated parameters are non-finite is recorded and ends the run as diverged.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { dataset, model, optimizer } = o;
  checkOptions(o);
  checkShapes(o);
  const classifier = dataset.task === 'classification';
  const interval = o.evalInterval ?? 1;
  const maxSteps = o.maxSteps ?? Infinity;
  const budgetMs = o.timeBudgetSeconds == null ? Infinity : o.timeBudgetSeconds * 1000;
  const batchSize = o.batchSize === 'full' ? dataset.train.rows : o.batchSize;
  const batchOptions = { batchSize, seed: o.seed, padding: o.padding ?? 'reference' } as const;

  let params = tf.tensor1d(initParams(model.spec, o.seed));
  let state = optimizer.init(params);
  const bn = new BatchNormAverages(model.spec);
  const evalSets = [new EvalSet(dataset.val), new EvalSet(dataset.test)];
  let wholeSplit: Batch | null = null; // full-batch training: uploaded once

  const start = performance.now();
  let evalMs = 0;
  let step = 0;
  let epochs = 0;
  let last: StepRecord | null = null;
  let lastEval: StepRecord | null = null;
  let stopReason: StopReason = 'epochs';
  let divergence: string | undefined;
  let lastYield = start;

  try {
    for (const { batch: host, epoch, last: lastBatch } of runBatches(dataset.train, batchOptions, o.epochs)) {
      if (o.signal?.aborted) {
        stopReason = 'interrupted';
        break;
      }
      epochs = epoch + 1;
      step++;
      const whole = host.x === dataset.train.x;
      const batch = whole ? (wholeSplit ??= upload(host, dataset.train)) : upload(host, dataset.train);

      // the step: pre-update loss, batch statistics, update
      let loss: tf.Scalar;
      let stats: BatchNormStatistics | null = null;
      let next: Awaited<ReturnType<typeof optimizer.step>>;
      const objective = modelObjective(model, params, batch, { checkFinite: false });
      try {
        loss = objective.loss();
        if (bn.active) stats = objective.batchNormStatistics();
        next = await optimizer.step(objective, params, state);
      } finally {
        objective.dispose();
        if (!whole) tf.dispose([batch.x, batch.targets, batch.mask]);
      }
      if (stats) {
        bn.update(stats);
        for (const s of stats.values()) tf.dispose([s.mean, s.variance]);
      }
      params.dispose();
      params = next.params;
      state = next.state;

      const timeUp = performance.now() - start >= budgetMs;
      const stopping = lastBatch || step >= maxSteps || timeUp || o.signal?.aborted === true;
      const evaluating = step % interval === 0 || stopping;

      // evaluation after the update, in evaluation mode; then one read for the whole step
      const scalars: tf.Scalar[] = [loss, tf.tidy(() => tf.cast(tf.all(tf.isFinite(params)), 'float32') as tf.Scalar)];
      if (evaluating) {
        // where kernels run asynchronously (GPU) the clock must wait for the work it times
        const asyncKernels = !SYNCHRONOUS_BACKENDS.includes(tf.getBackend());
        if (asyncKernels) await Promise.all(scalars.map((s) => s.data()));
        const t0 = performance.now();
        const running = bn.averages();
        const first = scalars.length;
        try {
          for (const e of await evaluate(model, params, running, evalSets, classifier)) {
            scalars.push(e.loss);
            if (e.accuracy) scalars.push(e.accuracy);
          }
        } finally {
          for (const r of running.values()) tf.dispose([r.mean, r.variance]);
        }
        if (asyncKernels) await Promise.all(scalars.slice(first).map((s) => s.data()));
        evalMs += performance.now() - t0;
      }
      const packed = tf.stack(scalars);
      tf.dispose(scalars);
      const values = await packed.data();
      packed.dispose();

      const now = performance.now();
      const record: StepRecord = {
        step,
        epoch,
        wallTime: (now - start) / 1000,
        wallTimeExclEval: (now - start - evalMs) / 1000,
        trainLoss: next.reportedLoss ?? values[0],
        info: next.info,
      };
      if (evaluating) {
        if (classifier) [record.valLoss, record.valAccuracy, record.testLoss, record.testAccuracy] = values.subarray(2);
        else [record.valLoss, record.testLoss] = values.subarray(2);
        lastEval = record;
      }
      last = record;
      o.onStep?.(record);
      const told = o.shouldStop?.(record);
      const stopRequested = told instanceof Promise ? await told : told === true;
      // on cpu/wasm every await above settles as a microtask: give the event loop a turn now and
      // then, or signals (Ctrl-C), timers and IPC would wait for the end of the run
      if (now - lastYield >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }

      const finiteParams = values[1] === 1;
      if (!Number.isFinite(record.trainLoss) || !finiteParams) {
        stopReason = 'diverged';
        divergence = !Number.isFinite(record.trainLoss)
          ? `training loss ${record.trainLoss} at step ${step}`
          : `non-finite parameters after the update of step ${step}`;
        break;
      }
      if (stopRequested) {
        stopReason = 'stopped';
        break;
      }
      if (stopping) {
        stopReason = lastBatch ? 'epochs' : step >= maxSteps ? 'max-steps' : timeUp ? 'time-budget' : 'interrupted';
        break;
      }
    }
  } finally {
    optimizer.dispose(state);
    params.dispose();
    bn.dispose();
    evalSets.forEach((s) => s.dispose());
    if (wholeSplit) tf.dispose([wholeSplit.x, wholeSplit.targets, wholeSplit.mask]);
  }
  const wallSeconds = (performance.now() - start) / 1000;
  return { stopReason, steps: step, epochs, wallSeconds, evalSeconds: evalMs / 1000, last, lastEval, divergence };
}

function upload(b: HostBatch, split: Split): Batch {
  return {
    x: tf.tensor(b.x, [b.rows, ...split.inputShape], 'float32'),
    targets: tf.tensor(b.y, [b.rows, ...split.targetShape], 'float32'),
    mask: tf.tensor1d(b.mask, 'float32'),
  };
}

function checkOptions(o: TrainOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(o.epochs) || o.epochs < 1) problems.push(`epochs must be an integer >= 1 (got ${o.epochs})`);
  if (o.batchSize !== 'full' && (!Number.isInteger(o.batchSize) || o.batchSize < 1)) {
    problems.push(`batch size must be an integer >= 1 or 'full' (got ${o.batchSize})`);
  }
  if (o.evalInterval !== undefined && (!Number.isInteger(o.evalInterval) || o.evalInterval < 1)) {
    problems.push(`evaluation interval must be an integer >= 1 (got ${o.evalInterval})`);
  }
  if (o.maxSteps != null && (!Number.isInteger(o.maxSteps) || o.maxSteps < 1)) problems.push(`max steps must be an integer >= 1 (got ${o.maxSteps})`);
  if (o.timeBudgetSeconds != null && !(o.timeBudgetSeconds > 0)) problems.push(`time budget must be > 0 seconds (got ${o.timeBudgetSeconds})`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) problems.push(`seed must be an integer >= 0 (got ${o.seed})`);
  if (problems.length) throw new Error(`train: ${problems.join('; ')}`);
}

function checkShapes(o: TrainOptions): void {
  const want = o.model.spec.inputShape.join(', ');
  const got = o.dataset.train.inputShape.join(', ');
  if (want !== got) {
    throw new Error(`model ${o.model.spec.name} expects inputs of shape [${want}], but ${o.dataset.name} rows have shape [${got}]`);
  }
  const expected = o.dataset.task === 'classification' ? 'ce' : 'mse';
  if (o.model.loss !== expected) {
    throw new Error(`model ${o.model.spec.name} is trained with the ${o.model.loss} loss, but ${o.dataset.name} is a ${o.dataset.task} task (${expected})`);
  }
  if (o.dataset.task === 'classification' && o.dataset.classes !== undefined && o.dataset.classes !== o.model.spec.outputSize) {
    throw new Error(`model ${o.model.spec.name} has ${o.model.spec.outputSize} outputs, but ${o.dataset.name} has ${o.dataset.classes} classes`);
  }
}
