import type * as tf from '@tensorflow/tfjs-core';
import type { LayerNode } from '../../models/spec.js';
import type { ParamAccess, Tangent } from './types.js';

/**
 * One layer kind = one module implementing this interface; the passes (forward-pass.ts,
 * backward-pass.ts, tangent-pass.ts, layer-statistics.ts) loop over the nodes and call the
 * node's kind from the registry (registry.ts), so a new layer kind or a new pass is one place
 * to edit. C is what the forward pass keeps for the later passes, B what the backward pass
 * keeps for the curvature pass, T what the tangent forward pass keeps for the tangent reverse.
 *
 * Tangents follow the conventions of types.ts (a leading direction axis K, null = zero).
 */
export interface LayerKind<N extends LayerNode = LayerNode, C = unknown, B = unknown, T = unknown> {
  /** indices of the nodes this node reads, in the order of `xs` below */
  inputs(n: N): number[];
  /** whether the node holds parameters of its own (so its value depends on them) */
  readonly ownsParams: boolean;
  /** training-mode forward pass (batch statistics), keeping what the later passes need */
  forward(n: N, xs: tf.Tensor[], p: ParamAccess): { y: tf.Tensor; cache: C };
  /** the output only, no caches; evaluation mode (running batch-norm averages) when `running` is given */
  predict(n: N, xs: tf.Tensor[], p: ParamAccess, running?: BatchNormRunning): tf.Tensor;
  /** reverse pass: accumulates parameter gradients into `p`, returns the gradient of each input (null: not needed) */
  backward(n: N, a: BackwardArgs<C>): { gxs: (tf.Tensor | null)[]; back: B };
  /** forward mode: R(y) from the inputs' tangents and the parameter directions */
  rForward(n: N, a: RForwardArgs<C>): { ry: Tangent; t: T };
  /** reverse pass of the pair (value, tangent): accumulates R(parameter gradients), returns R(input gradients) */
  rBackward(n: N, a: RBackwardArgs<C, B, T>): Tangent[];
  /** KFAC: which parameters the layer's curvature block covers and what its statistics are made of */
  readonly kfac?: KfacCapture<N, C>;
}

/** Running averages of the batch-norm layers, by state name, for evaluation mode. */
export type BatchNormRunning = Map<string, { mean: tf.Tensor; variance: tf.Tensor }>;

export interface BackwardArgs<C> {
  xs: tf.Tensor[];
  y: tf.Tensor;
  cache: C;
  /** gradient of the loss w.r.t. the node's value */
  gy: tf.Tensor;
  p: ParamAccess;
  /** per input: whether its gradient is needed (it depends on the parameters) */
  needInput: boolean[];
}

export interface RForwardArgs<C> {
  xs: tf.Tensor[];
  y: tf.Tensor;
  cache: C;
  /** tangents of the inputs, [K, ...] or null */
  rxs: Tangent[];
  p: ParamAccess;
}

export interface RBackwardArgs<C, B, T> extends RForwardArgs<C> {
  back: B;
  t: T;
  /**
   * the node's gradient; null in the Gauss-Newton product, whose reverse pass carries only the
   * tangent's cotangent (every term multiplying the first-order gradient, the layers' second
   * derivatives, drops out and what is left is the linear reverse pass J^T)
   */
  gy: tf.Tensor | null;
  /** R(gradient) of the node's value */
  rgy: Tangent;
  needInput: boolean[];
}

/** The block kinds of KFAC (see src/optim/kfac/). */
export type KfacBlockKind = 'dense' | 'conv2d' | 'batchnorm';

/**
 * What a KFAC curvature block needs from a layer: for dense and conv2d the layer input and the
 * gradient w.r.t. the pre-activation output (the node's own value); for batch norm the
 * normalised input and the gradient w.r.t. the output.
 */
export interface KfacCapture<N extends LayerNode, C> {
  readonly block: KfacBlockKind;
  /** the parameters the block covers, in block order (weight first, then bias / scale, offset) */
  params(n: N): string[];
  /** the tensor the input factor is built from (one of the forward pass's tensors, not a copy) */
  inputs(n: N, xs: tf.Tensor[], cache: C): tf.Tensor;
}
