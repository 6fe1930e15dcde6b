import * as tf from '@tensorflow/tfjs-core';
import type { Objective } from '../../autodiff/objective.js';
import type { Optimizer, StepResult } from '../optimizer.js';
import { HOST_DOT_LIMIT, dotAccumulationFor } from '../series-space.js';
import { Float32LbfgsSpace, Float64LbfgsSpace, TfLbfgsSpace } from './space.js';
import type { LbfgsHyperparameters } from './hyperparameters.js';
import type { Evaluate, LbfgsCompat } from './line-search.js';
import type { LbfgsVectorSpace } from './space.js';
import {
  REFERENCE_LBFGS_OPTIONS,
  createLbfgsState,
  disposeLbfgsState,
  historyCapacity,
  lbfgsRun,
  type LbfgsRunOptions,
  type LbfgsState,
} from './lbfgs-run.js';

/**
 * An Objective that also gives loss and gradient at other parameters, on the same batch and in the
 * same mode (batch-norm batch statistics as in the step); the caller owns the returned tensors.
 * (Objective has `at` now; the optimiser still checks for it, for objectives written by hand.)
 */
export interface PointObjective extends Objective {
  at(params: tf.Tensor1D): { loss: tf.Scalar; grad: tf.Tensor1D };
}

export type { LbfgsHyperparameters } from './hyperparameters.js';

export interface LbfgsFactoryOptions {
  /** 'reference' (default): the paper's JAX run with its quirks; 'exact': the same method without them (lbfgs-run.ts) */
  compat?: LbfgsCompat;
  /** where the history lives; by default the host up to HOST_DOT_LIMIT parameters, the backend above */
  history?: 'host' | 'device';
}

/**
 * Where the history lives: on the host up to HOST_DOT_LIMIT parameters (the UCI MLP's 1,057
 * parameters make every vector operation cheap), in float32 for compat 'reference' (the paper's
 * JAX code ran L-BFGS in float32: iterate, history and scalars) and in float64 for 'exact'; flat
 * float32 tensors on the backend above it (dot products reduced there).
 */
export type LbfgsOptimizerState =
  | { kind: 'host'; space: Float64LbfgsSpace; run: LbfgsState<Float64Array> }
  | { kind: 'host32'; space: Float32LbfgsSpace; run: LbfgsState<Float32Array> }
  | { kind: 'device'; space: TfLbfgsSpace; run: LbfgsState<tf.Tensor1D> };

export interface LbfgsOptimizer extends Optimizer<LbfgsOptimizerState> {
  step(objective: PointObjective, params: tf.Tensor1D, state: LbfgsOptimizerState): Promise<StepResult<LbfgsOptimizerState>>;
}

/**
 * The most memory the history may take. ResNet-18's 11.2M parameters would need, even in reference
 * mode (which keeps only maxIterations = 20 pairs, see `historyCapacity`), 2 x 20 x 11.2M float32 =
 * 1.8 GB, and 2 x 100 x 11.2M = 9 GB in exact mode: such models are refused when the optimiser is
 * made, with the numbers and the fix in the message (the paper ran L-BFGS on UCI Energy only).
 */
export const LBFGS_HISTORY_BYTE_LIMIT = 2 ** 30;

/** the run options of the schema's hyperparameters (c1, c2 and thresholds as the reference ran them) */
export function lbfgsRunOptions(hp: LbfgsHyperparameters, compat: LbfgsCompat = 'reference'): LbfgsRunOptions {
  return {
    ...REFERENCE_LBFGS_OPTIONS,
    compat,
    historySize: hp.historySize,
    maxIterations: hp.maxIterations,
    maxEvaluations: hp.maxEvaluations,
    gradientTolerance: hp.gradientTolerance,
    changeTolerance: hp.changeTolerance,
    lineSearch: hp.lineSearch,
    lr: hp.lr,
    lineSearchMaxEvaluations: hp.lineSearchMaxEvaluations,
    // the models are float32, as the paper's were: JAX's float32 thresholds
    precision: 'float32',
  };
}

/** bytes of the s and y vectors the history holds at most, for a model of `parameterCount` parameters */
export function lbfgsHistoryBytes(parameterCount: number, hp: LbfgsHyperparameters, compat: LbfgsCompat = 'reference'): number {
  const bytesPerEntry = parameterCount <= HOST_DOT_LIMIT && compat === 'exact' ? 8 : 4;
  return 2 * historyCapacity(lbfgsRunOptions(hp, compat)) * parameterCount * bytesPerEntry;
}

/** throws, naming the numbers and the fix, when the history would not fit LBFGS_HISTORY_BYTE_LIMIT */
export function checkLbfgsModelSize(parameterCount: number, hp: LbfgsHyperparameters, compat: LbfgsCompat = 'reference'): void {
  const bytes = lbfgsHistoryBytes(parameterCount, hp, compat);
  if (bytes > LBFGS_HISTORY_BYTE_LIMIT) {
    const pairs = historyCapacity(lbfgsRunOptions(hp, compat));
    const maxPairs = Math.floor(LBFGS_HISTORY_BYTE_LIMIT / (bytes / pairs));
    throw new Error(
      `lbfgs: a history of ${pairs} pairs for ${parameterCount.toLocaleString('en-US')} parameters needs ` +
        `${(bytes / 2 ** 30).toFixed(2)} GiB, above the ${LBFGS_HISTORY_BYTE_LIMIT / 2 ** 30} GiB limit; ` +
        (maxPairs >= 1
          ? `lower historySize${compat === 'reference' ? ' or maxIterations (reference mode keeps min of the two)' : ''} to ${maxPairs} or less`
          : 'this model is too large for L-BFGS here (the paper ran it on UCI Energy)'),
    );
  }
}

/**
 * L-BFGS as the paper ran it: each training step is one whole inner run on that step's batch (at
 * most maxIterations iterations and maxEvaluations loss-and-gradient evaluations, strong-Wolfe line
 * search), and iterate, history, gamma and the final loss and gradient carry over to the next step
 * while the counters restart (lbfgs-run.ts lists the reference's rules). In compat 'reference' the
 * start is evaluated once before the first step, outside its counters (the paper's
 * `WrappedLBFGS.init` did so), and every later run starts from the previous run's end. Needs the Objective's
 * `at(params)`. Step info: iterations, evaluations, lineSearchFailed (0/1), status (JAX's code:
 * 0 converged, 1 iteration limit, 2 evaluation limit, 4 no progress, 5 line search failed),
 * converged (0/1), gamma, and finalLoss, the run's last loss on the batch (the loss the paper
 * logged for the step).
 */
export function lbfgs(hp: LbfgsHyperparameters, options: LbfgsFactoryOptions = {}): LbfgsOptimizer {
  const compat = options.compat ?? 'reference';
  const runOptions = lbfgsRunOptions(hp, compat);
  return {
    name: 'lbfgs',
    init(params: tf.Tensor1D): LbfgsOptimizerState {
      checkLbfgsModelSize(params.size, hp, compat);
      if ((options.history ?? (params.size <= HOST_DOT_LIMIT ? 'host' : 'device')) === 'host') {
        if (compat === 'reference') {
          const space = new Float32LbfgsSpace();
          return { kind: 'host32', space, run: createLbfgsState(space, runOptions) };
        }
        const space = new Float64LbfgsSpace();
        return { kind: 'host', space, run: createLbfgsState(space, runOptions) };
      }
      const space = new TfLbfgsSpace(dotAccumulationFor(params.size));
      return { kind: 'device', space, run: createLbfgsState(space, runOptions) };
    },
    async step(objective, params, state): Promise<StepResult<LbfgsOptimizerState>> {
      if (typeof (objective as Partial<PointObjective>).at !== 'function') {
        throw new Error('lbfgs needs the loss and gradient of the batch at other parameters (Objective.at); this Objective does not provide it');
      }
      if (params.size !== objective.size) {
        throw new Error(`lbfgs: the parameter vector has ${params.size} entries but the objective ${objective.size}`);
      }
      if (state.kind === 'host') return { ...(await hostStep(objective, params, state, runOptions, Float64Array)), state };
      if (state.kind === 'host32') return { ...(await hostStep(objective, params, state, runOptions, Float32Array)), state };
      return deviceStep(objective, params, state, runOptions);
    },
    dispose(state: LbfgsOptimizerState): void {
      if (state.kind === 'host') disposeLbfgsState(state.space, state.run);
      else if (state.kind === 'host32') disposeLbfgsState(state.space, state.run);
      else disposeLbfgsState(state.space, state.run);
    },
  };
}

type HostArray = Float64Array | Float32Array;

async function hostStep<A extends HostArray>(
  objective: PointObjective,
  params: tf.Tensor1D,
  state: { space: LbfgsVectorSpace<A>; run: LbfgsState<A> },
  o: LbfgsRunOptions,
  Vector: { from(a: ArrayLike<number>): A },
): Promise<Omit<StepResult<LbfgsOptimizerState>, 'state'>> {
  const evaluate: Evaluate<A> = async (x) => {
    // a float64 iterate is seen by the model rounded to float32
    const point = tf.tensor1d(Float32Array.from(x));
    try {
      return await readPoint(objective.at(point), (g) => Vector.from(g));
    } finally {
      point.dispose();
    }
  };
  const x0 = Vector.from(await params.data());
  // at x0 itself the objective's own passes (the trainer's forward is cached) serve
  const evaluateStart = () => readPoint(objective.lossAndGrad(), (g) => Vector.from(g));
  await evaluateOutsideRun(state.run, o, evaluateStart);
  const r = await lbfgsRun(state.space, evaluate, x0, state.run, o, { evaluateStart });
  return { params: tf.tensor1d(Float32Array.from(r.x)), info: stepInfo(r, state.run), reportedLoss: r.loss };
}

/**
 * compat 'reference', first step: the start's loss and gradient go into the state before the run,
 * so the run neither evaluates nor counts them (the paper's `WrappedLBFGS.init` evaluated the
 * initial parameters when the optimiser was made; each step's counters started at 0).
 */
async function evaluateOutsideRun<V>(run: LbfgsState<V>, o: LbfgsRunOptions, evaluateStart: () => Promise<{ loss: number; grad: V }>): Promise<void> {
  if (o.compat === 'reference' && run.last === null) run.last = await evaluateStart();
}

async function deviceStep(
  objective: PointObjective,
  params: tf.Tensor1D,
  state: Extract<LbfgsOptimizerState, { kind: 'device' }>,
  o: LbfgsRunOptions,
): Promise<StepResult<LbfgsOptimizerState>> {
  const evaluate: Evaluate<tf.Tensor1D> = async (x) => {
    const { loss, grad } = objective.at(x);
    try {
      return { loss: (await loss.data())[0], grad };
    } finally {
      loss.dispose();
    }
  };
  const evaluateStart = async () => {
    const { loss, grad } = objective.lossAndGrad();
    try {
      return { loss: (await loss.data())[0], grad };
    } finally {
      loss.dispose();
    }
  };
  await evaluateOutsideRun(state.run, o, evaluateStart);
  const r = await lbfgsRun(state.space, evaluate, params, state.run, o, { evaluateStart });
  return { params: r.x, state, info: stepInfo(r, state.run), reportedLoss: r.loss };
}

/** reads loss and gradient to the host and frees both tensors */
async function readPoint<V>(pair: { loss: tf.Scalar; grad: tf.Tensor1D }, toVector: (g: Float32Array) => V): Promise<{ loss: number; grad: V }> {
  try {
    const [loss, grad] = await Promise.all([pair.loss.data(), pair.grad.data()]);
    return { loss: loss[0], grad: toVector(grad as Float32Array) };
  } finally {
    tf.dispose([pair.loss, pair.grad]);
  }
}

function stepInfo<V>(r: Awaited<ReturnType<typeof lbfgsRun<V>>>, run: LbfgsState<V>): Record<string, number> {
  return {
    iterations: r.iterations,
    evaluations: r.evaluations,
    lineSearchFailed: r.lineSearchFailed ? 1 : 0,
    status: r.status,
    converged: r.converged ? 1 : 0,
    gamma: run.gamma,
    finalLoss: r.loss,
  };
}
