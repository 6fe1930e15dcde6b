import type { ModelDef } from '../models/zoo.js';
import { paramOffsets, parameterCount, type LayerNode } from '../models/spec.js';
import { dualSlice, dualZeros, sizeOf, type Dual, type DualTensor } from './dual.js';
import { windowGeometry, type WindowGeometry } from './kernels.js';
import {
  addForward, conv2dBackward, conv2dForward, denseBackward, denseForward, flattenForward,
  globalAvgPoolBackward, globalAvgPoolForward,
} from './linear-layers.js';
import {
  activationBackward, activationForward, batchNormBackward, batchNormForward, maxPoolBackward, maxPoolForward,
  type BatchNormCache,
} from './nonlinear-layers.js';
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

/** What a node's backward pass needs besides its inputs. */
type NodeCache =
  | { kind: 'none' }
  | { kind: 'window'; geometry: WindowGeometry }
  | { kind: 'batchnorm'; cache: BatchNormCache }
  | { kind: 'maxpool'; argmax: Int32Array };

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
  const caches: NodeCache[] = [];
  let kinkMargin = Infinity;
  spec.nodes.forEach((node, i) => {
    const [value, cache, margin] = forwardNode(node, values, batch, spec.inputShape, param, shapeOf);
    if (i === 0 && node.op !== 'input') throw new Error('reference: node 0 must be the input');
    values.push(value);
    caches.push(cache);
    kinkMargin = Math.min(kinkMargin, margin);
  });
  const out = values[values.length - 1];
  if (out.shape.length !== 2 || out.shape[1] !== spec.outputSize) {
    throw new Error(`reference: model output has shape [${out.shape.join(', ')}], expected [${rows}, ${spec.outputSize}]`);
  }
  const { loss, lossTangent, gy } = lossForwardBackward(def.loss, out, batch.targets, batch.mask);

  // backward, on (value, tangent) pairs
  const grads: (DualTensor | undefined)[] = values.map(() => undefined);
  grads[grads.length - 1] = gy;
  const gradOf = (k: number): DualTensor => (grads[k] ??= dualZeros([...values[k].shape]));
  for (let i = spec.nodes.length - 1; i > 0; i--) {
    const g = grads[i];
    if (!g) continue; // the loss does not depend on this node
    backwardNode(spec.nodes[i], caches[i], g, values, gradOf, param, paramGrad, shapeOf);
  }
  return { loss, lossTangent, grad: gTheta.v, hvp: gTheta.d, kinkMargin };
}

function forwardNode(
  node: LayerNode,
  values: DualTensor[],
  batch: ReferenceBatch,
  inputShape: number[],
  param: (name: string) => Dual,
  shapeOf: (name: string) => number[],
): [DualTensor, NodeCache, number] {
  const none: NodeCache = { kind: 'none' };
  switch (node.op) {
    case 'input': {
      const shape = [batch.batchSize, ...inputShape];
      return [{ shape, v: Float64Array.from(batch.x), d: new Float64Array(sizeOf(shape)) }, none, Infinity];
    }
    case 'dense': {
      const [inF, outF] = shapeOf(node.weight);
      const y = denseForward(values[node.input], param(node.weight), node.bias ? param(node.bias) : undefined, inF, outF);
      return [y, none, Infinity];
    }
    case 'conv2d': {
      const x = values[node.input];
      const [kh, kw, cin, cout] = shapeOf(node.filter);
      if (x.shape[3] !== cin) throw new Error(`conv2d ${node.filter}: input has ${x.shape[3]} channels, filter expects ${cin}`);
      const geometry = windowGeometry(x.shape, kh, kw, node.stride, node.padding);
      const y = conv2dForward(x, param(node.filter), node.bias ? param(node.bias) : undefined, geometry, cout);
      return [y, { kind: 'window', geometry }, Infinity];
    }
    case 'batchnorm': {
      const { y, cache } = batchNormForward(values[node.input], param(node.scale), param(node.offset));
      return [y, { kind: 'batchnorm', cache }, Infinity];
    }
    case 'activation': {
      const { y, margin } = activationForward(node.fn, values[node.input]);
      return [y, none, margin];
    }
    case 'maxpool': {
      const geometry = windowGeometry(values[node.input].shape, node.size, node.size, node.stride, node.padding);
      const { y, argmax, margin } = maxPoolForward(values[node.input], geometry);
      return [y, { kind: 'maxpool', argmax }, margin];
    }
    case 'globalavgpool':
      return [globalAvgPoolForward(values[node.input]), none, Infinity];
    case 'add':
      return [addForward(values[node.inputs[0]], values[node.inputs[1]]), none, Infinity];
    case 'flatten':
      return [flattenForward(values[node.input]), none, Infinity];
  }
}

function backwardNode(
  node: LayerNode,
  cache: NodeCache,
  gy: DualTensor,
  values: DualTensor[],
  gradOf: (k: number) => DualTensor,
  param: (name: string) => Dual,
  paramGrad: (name: string) => Dual,
  shapeOf: (name: string) => number[],
): void {
  switch (node.op) {
    case 'input':
      return;
    case 'dense': {
      const [inF, outF] = shapeOf(node.weight);
      denseBackward(
        values[node.input], param(node.weight), gy, gradOf(node.input), paramGrad(node.weight),
        node.bias ? paramGrad(node.bias) : undefined, inF, outF,
      );
      return;
    }
    case 'conv2d': {
      if (cache.kind !== 'window') throw new Error('reference: conv2d cache missing');
      conv2dBackward(
        values[node.input], param(node.filter), gy, gradOf(node.input), paramGrad(node.filter),
        node.bias ? paramGrad(node.bias) : undefined, cache.geometry, shapeOf(node.filter)[3],
      );
      return;
    }
    case 'batchnorm': {
      if (cache.kind !== 'batchnorm') throw new Error('reference: batchnorm cache missing');
      batchNormBackward(cache.cache, param(node.scale), gy, gradOf(node.input), paramGrad(node.scale), paramGrad(node.offset));
      return;
    }
    case 'activation':
      activationBackward(node.fn, values[node.input], gy, gradOf(node.input));
      return;
    case 'maxpool': {
      if (cache.kind !== 'maxpool') throw new Error('reference: maxpool cache missing');
      maxPoolBackward(cache.argmax, gy, gradOf(node.input));
      return;
    }
    case 'globalavgpool':
      globalAvgPoolBackward(values[node.input].shape, gy, gradOf(node.input));
      return;
    case 'add': {
      for (const k of node.inputs) {
        const gx = gradOf(k);
        for (let i = 0; i < gy.v.length; i++) {
          gx.v[i] += gy.v[i];
          gx.d[i] += gy.d[i];
        }
      }
      return;
    }
    case 'flatten': {
      const gx = gradOf(node.input);
      for (let i = 0; i < gy.v.length; i++) {
        gx.v[i] += gy.v[i];
        gx.d[i] += gy.d[i];
      }
      return;
    }
  }
}
