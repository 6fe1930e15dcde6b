import type { ModelDef } from '../models/zoo.js';
import { paramOffsets, parameterCount } from '../models/spec.js';
import { dualSlice, dualZeros, sizeOf, type Dual, type DualTensor } from './dual.js';
import { inputTensor, referenceKindOf, type ReferenceContext } from './layer-kinds.js';
import { lossForwardBackward } from './loss.js';

/**
 * One batch in plain arrays. x: [batchSize, ...inputShape] row-major; targets: [batchSize, outputs]
 * for 'mse', class labels [batchSize] for 'ce'; mask: [batchSize], 1 = real row, 0 = padding.
 */
export interface ReferenceBatch {
  batchSize: number;
  x: ArrayLike<number>;
  targets: ArrayLike<number>;
  mask: ArrayLike<number>;
}

export interface ReferenceEvaluation {
  loss: number;
  /** g . v: the directional derivative of the loss along the direction */
  lossTangent: number;
  /** gradient w.r.t. the flat parameter vector (spec order) */
  grad: Float64Array;
  /** Hessian-vector product H v (the tangent of the gradient); zeros without a direction */
  hvp: Float64Array;
  /** distance to the nearest relu kink or max-pool tie along the direction, in units of v (first order) */
  kinkMargin: number;
}

function checkFinite(name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`reference: ${name}[${i}] is ${a[i]}, expected a finite number`);
  }
}

function checkLength(name: string, a: ArrayLike<number>, expected: number): void {
  if (a.length !== expected) throw new Error(`reference: ${name} has length ${a.length}, expected ${expected}`);
}

/**
 * Float64 interpreter of a ModelSpec in training mode: forward pass with tangents along
 * `direction` (forward mode), the loss, then the backward pass on (value, tangent) pairs, which
 * yields the gradient and the exact Hessian-vector product (forward-over-reverse).
 */
export function evaluateReference(
  def: ModelDef,
  params: ArrayLike<number>,
  batch: ReferenceBatch,
  direction?: ArrayLike<number>,
): ReferenceEvaluation {
  const { spec } = def;
  const n = parameterCount(spec);
  const rows = batch.batchSize;
  checkLength('params', params, n);
  checkFinite('params', params);
  checkLength('x', batch.x, rows * sizeOf(spec.inputShape));
  checkFinite('x', batch.x);
  checkLength('targets', batch.targets, def.loss === 'mse' ? rows * spec.outputSize : rows);
  checkFinite('targets', batch.targets);
  checkLength('mask', batch.mask, rows);
  checkFinite('mask', batch.mask);
  if (direction) {
    checkLength('direction', direction, n);
    checkFinite('direction', direction);
  }

  const theta: Dual = { v: Float64Array.from(params), d: direction ? Float64Array.from(direction) : new Float64Array(n) };
  const gTheta: Dual = { v: new Float64Array(n), d: new Float64Array(n) };
  const offsets = paramOffsets(spec);
  const shapeOf = (name: string): number[] => {
    const o = offsets.get(name);
    if (!o) throw new Error(`reference: model ${spec.name} has no parameter "${name}"`);
    return o.shape;
  };
  const param = (name: string): Dual => {
    shapeOf(name);
    const o = offsets.get(name)!;
    return dualSlice(theta, o.offset, o.size);
  };
  const paramGrad = (name: string): Dual => {
    const o = offsets.get(name)!;
    return dualSlice(gTheta, o.offset, o.size);
  };

  // forward
  const values: DualTensor[] = [];
  const caches: unknown[] = [];
  const grads: (DualTensor | undefined)[] = [];
  const ctx: ReferenceContext = {
    values,
    input: () => inputTensor(batch.x, [rows, ...spec.inputShape]),
    param,
    paramGrad,
    shapeOf,
    gradOf: (k) => (grads[k] ??= dualZeros([...values[k].shape])),
  };
  let kinkMargin = Infinity;
  spec.nodes.forEach((node, i) => {
    if ((i === 0) !== (node.op === 'input')) throw new Error('reference: node 0 must be the input, and only node 0');
    const { y, cache, margin } = referenceKindOf(node).forward(node, ctx);
    values.push(y);
    caches.push(cache);
    kinkMargin = Math.min(kinkMargin, margin);
  });
  const out = values[values.length - 1];
  if (out.shape.length !== 2 || out.shape[1] !== spec.outputSize) {
    throw new Error(`reference: model output has shape [${out.shape.join(', ')}], expected [${rows}, ${spec.outputSize}]`);
  }
  const { loss, lossTangent, gy } = lossForwardBackward(def.loss, out, batch.targets, batch.mask);

  // backward, on (value, tangent) pairs
  grads[values.length - 1] = gy;
  for (let i = spec.nodes.length - 1; i > 0; i--) {
    const g = grads[i];
    if (!g) continue; // the loss does not depend on this node
    referenceKindOf(spec.nodes[i]).backward(spec.nodes[i], caches[i], g, ctx);
  }
  return { loss, lossTangent, grad: gTheta.v, hvp: gTheta.d, kinkMargin };
}
