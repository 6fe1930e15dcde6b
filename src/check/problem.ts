import { initParams } from '../models/init.js';
import { paramSize, parameterCount } from '../models/spec.js';
import { modelByName, type ModelDef } from '../models/zoo.js';
import { defaultStep, evaluateReference } from '../reference/index.js';
import { Rng } from '../util/random.js';

/** The models the HVP self-check knows. */
export const CHECK_MODELS = ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'small-convnet', 'resnet18'] as const;
export type CheckModel = (typeof CHECK_MODELS)[number];

export function parseCheckModel(name: string): CheckModel {
  if ((CHECK_MODELS as readonly string[]).includes(name)) return name as CheckModel;
  throw new Error(`unknown model "${name}" for the HVP check: choose one of ${CHECK_MODELS.join(', ')}`);
}

/** A batch in float32 plain arrays, the layout of the engine's tensors (see model-objective.ts). */
export interface PlainBatch {
  batchSize: number;
  x: Float32Array;
  targets: Float32Array;
  mask: Float32Array;
}

/** A model at a point, a batch and directions: everything a curvature comparison needs. */
export interface HvpProblem {
  model: string;
  def: ModelDef;
  seed: number;
  params: Float32Array;
  batch: PlainBatch;
  directions: Float32Array[];
}

export interface ProblemOptions {
  batchSize?: number;
  /** rows whose mask is 0 (padding rows) */
  maskedRows?: number[];
  directions?: number;
  /** scale each parameter tensor's part of a direction by that tensor's RMS (a relative direction) */
  relativeDirections?: boolean;
  /** resample the data until every direction keeps the default FD step clear of relu kinks and pool ties */
  avoidKinks?: boolean;
}

/**
 * Defaults per model: small batches that include padding rows. ResNet-18 uses batch 8: at batch 2
 * its last stage (1x1 pixels) normalises two numbers per channel, which makes the loss so
 * ill-conditioned that float32 cannot be compared with float64 (see float32-fd-check.ts).
 */
const DEFAULTS: Record<CheckModel, ProblemOptions> = {
  'uci-mlp': { batchSize: 16, maskedRows: [3, 9, 14] },
  'uci-mlp-tanh': { batchSize: 16, maskedRows: [3, 9, 14] },
  'fmnist-mlp': { batchSize: 8, maskedRows: [2, 5] },
  'small-convnet': { batchSize: 6, maskedRows: [4] },
  resnet18: { batchSize: 8, maskedRows: [], relativeDirections: true, directions: 1 },
};

/**
 * Parameters at initialisation, with the parameters that start at a constant (biases, batch-norm
 * scales and offsets, ResNet's zero final layer) moved off it: at a constant they would hide
 * whole blocks of the Hessian (a zero last layer makes most second derivatives vanish).
 */
export function checkParams(def: ModelDef, seed: number): Float32Array {
  const params = initParams(def.spec, seed);
  const rng = new Rng((seed * 2654435761 + 12345) >>> 0);
  let offset = 0;
  for (const p of def.spec.params) {
    const size = paramSize(p);
    if (p.init.kind === 'zeros' || p.init.kind === 'ones') {
      const fanIn = p.shape.length >= 2 ? p.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 100;
      const std = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < size; i++) params[offset + i] += std * rng.normal();
    }
    offset += size;
  }
  return params;
}

function normalArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** v <- v * RMS of the parameter tensor, tensor by tensor */
export function scaleByTensorRms(def: ModelDef, params: Float32Array, v: Float32Array): void {
  let offset = 0;
  for (const p of def.spec.params) {
    const size = paramSize(p);
    let ss = 0;
    for (let i = offset; i < offset + size; i++) ss += params[i] * params[i];
    const rms = Math.sqrt(ss / size);
    for (let i = offset; i < offset + size; i++) v[i] *= rms;
    offset += size;
  }
}

function sampleBatch(def: ModelDef, rng: Rng, batchSize: number, maskedRows: number[]): PlainBatch {
  const inputSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const k = def.spec.outputSize;
  const x = normalArray(rng, batchSize * inputSize);
  const targets =
    def.loss === 'mse' ? normalArray(rng, batchSize * k) : Float32Array.from({ length: batchSize }, () => rng.int(k));
  const mask = new Float32Array(batchSize).fill(1);
  for (const r of maskedRows) {
    if (r < 0 || r >= batchSize) throw new Error(`masked row ${r} is outside the batch of ${batchSize}`);
    mask[r] = 0;
  }
  if (!mask.some((m) => m === 1)) throw new Error('the mask must keep at least one row');
  return { batchSize, x, targets, mask };
}

/** A deterministic problem for a model of the check list, from a seed. */
export function makeHvpProblem(model: string, seed: number, options: ProblemOptions = {}): HvpProblem {
  const name = parseCheckModel(model);
  return makeProblemFor(modelByName(name), seed, { ...DEFAULTS[name], ...options });
}

/**
 * A deterministic problem for any model definition. With avoidKinks, the data are resampled
 * (up to 20 times) until the float64 reference sees no relu kink or max-pool tie within reach of
 * the default finite-difference step along any direction.
 */
export function makeProblemFor(def: ModelDef, seed: number, options: ProblemOptions = {}): HvpProblem {
  const batchSize = options.batchSize ?? 4;
  const maskedRows = options.maskedRows ?? [];
  const count = options.directions ?? 2;
  const params = checkParams(def, seed);
  const n = parameterCount(def.spec);
  let best: { problem: HvpProblem; worst: number } | undefined;
  for (let attempt = 0; attempt < (options.avoidKinks ? 20 : 1); attempt++) {
    const rng = new Rng((seed * 7919 + attempt * 104729 + 1) >>> 0);
    const batch = sampleBatch(def, rng, batchSize, maskedRows);
    const directions = Array.from({ length: count }, () => normalArray(rng, n));
    if (options.relativeDirections) for (const v of directions) scaleByTensorRms(def, params, v);
    const problem: HvpProblem = { model: def.spec.name, def, seed, params, batch, directions };
    if (!options.avoidKinks) return problem;
    // how far inside its safe zone the default step is (>= 1: the default step is used)
    const worst = Math.min(
      ...directions.map((v) => evaluateReference(def, params, batch, v).kinkMargin / 4 / defaultStep(v)),
    );
    if (worst >= 1) return problem;
    if (!best || worst > best.worst) best = { problem, worst };
  }
  return best!.problem;
}
