/**
 * A model is data: an ordered list of parameters and a small SSA graph of layer nodes.
 * Several interpreters read the same spec — the tfjs forward pass, the hand-written
 * Pearlmutter R-operator pass (src/autodiff) and the float64 reference used by the tests —
 * so that every curvature product can be checked against an independent implementation.
 *
 * Layout conventions (channels-last, as TensorFlow and the reference JAX code):
 *   dense weight  [in, out], bias [out]
 *   conv2d filter [kh, kw, inChannels, outChannels], activations [batch, h, w, channels]
 *   'same' padding follows TensorFlow: total = max((ceil(n/s)-1)*s + k - n, 0), before = floor(total/2)
 */

export type ParamInit =
  /** truncated normal at +-2 sigma with sigma = 1/sqrt(fanIn) (Haiku Linear default) */
  | { kind: 'truncnormal-linear'; fanIn: number }
  /** Haiku VarianceScaling(1, fan_in, truncated): realised std = 1/sqrt(fanIn) */
  | { kind: 'truncnormal-variance'; fanIn: number }
  | { kind: 'zeros' }
  | { kind: 'ones' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

export type Activation = 'relu' | 'tanh' | 'sigmoid';
export type Padding = 'same' | 'valid';

/** Node inputs refer to earlier node indices; node 0 is always the input. */
export type LayerNode =
  | { op: 'input' }
  | { op: 'dense'; input: number; weight: string; bias?: string }
  | { op: 'conv2d'; input: number; filter: string; bias?: string; stride: number; padding: Padding }
  /** batch norm over every axis but the last; batch statistics in training, EMA in evaluation */
  | { op: 'batchnorm'; input: number; scale: string; offset: string; state: string }
  | { op: 'activation'; input: number; fn: Activation }
  | { op: 'maxpool'; input: number; size: number; stride: number; padding: Padding }
  /** mean over the spatial axes of an NHWC tensor */
  | { op: 'globalavgpool'; input: number }
  | { op: 'add'; inputs: [number, number] }
  | { op: 'flatten'; input: number };

export interface ModelSpec {
  name: string;
  /** shape of one example, e.g. [8] or [32, 32, 3] */
  inputShape: number[];
  outputSize: number;
  params: ParamSpec[];
  nodes: LayerNode[];
}

export const BATCHNORM_DECAY = 0.9;
export const BATCHNORM_EPS = 1e-5;

export function paramSize(p: ParamSpec): number {
  return p.shape.reduce((a, b) => a * b, 1);
}

export function parameterCount(spec: ModelSpec): number {
  return spec.params.reduce((n, p) => n + paramSize(p), 0);
}

/** Offsets of each parameter inside the flat parameter vector, in spec order. */
export function paramOffsets(spec: ModelSpec): Map<string, { offset: number; size: number; shape: number[] }> {
  const out = new Map<string, { offset: number; size: number; shape: number[] }>();
  let offset = 0;
  for (const p of spec.params) {
    const size = paramSize(p);
    out.set(p.name, { offset, size, shape: p.shape });
    offset += size;
  }
  return out;
}

/** Batch-norm layers' names (their running statistics live outside the flat parameter vector). */
export function batchNormStates(spec: ModelSpec): { state: string; channels: number }[] {
  const shapes = new Map(spec.params.map((p) => [p.name, p.shape]));
  return spec.nodes.flatMap((n) =>
    n.op === 'batchnorm' ? [{ state: n.state, channels: shapes.get(n.scale)![0] }] : [],
  );
}

/** Output size in one spatial dimension of a conv or pool. */
export function spatialOut(n: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/** Padding before and after in one spatial dimension, TensorFlow's rule. */
export function samePads(n: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}
