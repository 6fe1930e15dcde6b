import type { LayerNode } from '../models/spec.js';
import { sizeOf, type Dual, type DualTensor } from './dual.js';
import { windowGeometry, type WindowGeometry } from './kernels.js';
import {
  addForward, conv2dBackward, conv2dForward, denseBackward, denseForward, flattenForward,
  globalAvgPoolBackward, globalAvgPoolForward,
} from './linear-layers.js';
import {
  activationBackward, activationForward, batchNormBackward, batchNormForward, maxPoolBackward, maxPoolForward,
  type BatchNormCache,
} from './nonlinear-layers.js';

/**
 * The reference's own table of layer kinds (independent of src/autodiff's: no code is shared
 * with the float32 engine). Each kind runs its forward pass on (value, tangent) pairs and its
 * backward pass on (gradient, tangent of the gradient) pairs.
 */
export interface ReferenceContext {
  /** values of the earlier nodes */
  values: DualTensor[];
  /** the batch input, for node 0: [batchSize, ...inputShape] */
  input: () => DualTensor;
  param: (name: string) => Dual;
  paramGrad: (name: string) => Dual;
  shapeOf: (name: string) => number[];
  /** the gradient accumulator of node k (made on first use) */
  gradOf: (k: number) => DualTensor;
}

export interface ReferenceKind<N extends LayerNode, C> {
  /** the value, what the backward pass needs, and the distance to the nearest kink along the direction */
  forward(node: N, ctx: ReferenceContext): { y: DualTensor; cache: C; margin: number };
  /** accumulates into the gradients of the node's inputs and parameters */
  backward(node: N, cache: C, gy: DualTensor, ctx: ReferenceContext): void;
}

const smooth = <C>(y: DualTensor, cache: C) => ({ y, cache, margin: Infinity });

/** gx += gy, value and tangent */
function passThrough(gy: Dual, gx: Dual): void {
  for (let i = 0; i < gy.v.length; i++) {
    gx.v[i] += gy.v[i];
    gx.d[i] += gy.d[i];
  }
}

type Node<O extends LayerNode['op']> = Extract<LayerNode, { op: O }>;

const input: ReferenceKind<Node<'input'>, null> = {
  forward: (_n, ctx) => smooth(ctx.input(), null),
  backward: () => {},
};

const dense: ReferenceKind<Node<'dense'>, null> = {
  forward: (n, ctx) => {
    const [inF, outF] = ctx.shapeOf(n.weight);
    return smooth(denseForward(ctx.values[n.input], ctx.param(n.weight), n.bias ? ctx.param(n.bias) : undefined, inF, outF), null);
  },
  backward: (n, _c, gy, ctx) => {
    const [inF, outF] = ctx.shapeOf(n.weight);
    denseBackward(
      ctx.values[n.input], ctx.param(n.weight), gy, ctx.gradOf(n.input), ctx.paramGrad(n.weight),
      n.bias ? ctx.paramGrad(n.bias) : undefined, inF, outF,
    );
  },
};

const conv2d: ReferenceKind<Node<'conv2d'>, WindowGeometry> = {
  forward: (n, ctx) => {
    const x = ctx.values[n.input];
    const [kh, kw, cin, cout] = ctx.shapeOf(n.filter);
    if (x.shape[3] !== cin) throw new Error(`conv2d ${n.filter}: input has ${x.shape[3]} channels, filter expects ${cin}`);
    const geometry = windowGeometry(x.shape, kh, kw, n.stride, n.padding);
    return smooth(conv2dForward(x, ctx.param(n.filter), n.bias ? ctx.param(n.bias) : undefined, geometry, cout), geometry);
  },
  backward: (n, geometry, gy, ctx) => {
    conv2dBackward(
      ctx.values[n.input], ctx.param(n.filter), gy, ctx.gradOf(n.input), ctx.paramGrad(n.filter),
      n.bias ? ctx.paramGrad(n.bias) : undefined, geometry, ctx.shapeOf(n.filter)[3],
    );
  },
};

const batchnorm: ReferenceKind<Node<'batchnorm'>, BatchNormCache> = {
  forward: (n, ctx) => {
    const { y, cache } = batchNormForward(ctx.values[n.input], ctx.param(n.scale), ctx.param(n.offset));
    return smooth(y, cache);
  },
  backward: (n, cache, gy, ctx) => {
    batchNormBackward(cache, ctx.param(n.scale), gy, ctx.gradOf(n.input), ctx.paramGrad(n.scale), ctx.paramGrad(n.offset));
  },
};

const activation: ReferenceKind<Node<'activation'>, null> = {
  forward: (n, ctx) => {
    const { y, margin } = activationForward(n.fn, ctx.values[n.input]);
    return { y, cache: null, margin };
  },
  backward: (n, _c, gy, ctx) => activationBackward(n.fn, ctx.values[n.input], gy, ctx.gradOf(n.input)),
};

const maxpool: ReferenceKind<Node<'maxpool'>, Int32Array> = {
  forward: (n, ctx) => {
    const geometry = windowGeometry(ctx.values[n.input].shape, n.size, n.size, n.stride, n.padding);
    const { y, argmax, margin } = maxPoolForward(ctx.values[n.input], geometry);
    return { y, cache: argmax, margin };
  },
  backward: (n, argmax, gy, ctx) => maxPoolBackward(argmax, gy, ctx.gradOf(n.input)),
};

const globalavgpool: ReferenceKind<Node<'globalavgpool'>, null> = {
  forward: (n, ctx) => smooth(globalAvgPoolForward(ctx.values[n.input]), null),
  backward: (n, _c, gy, ctx) => globalAvgPoolBackward(ctx.values[n.input].shape, gy, ctx.gradOf(n.input)),
};

const add: ReferenceKind<Node<'add'>, null> = {
  forward: (n, ctx) => smooth(addForward(ctx.values[n.inputs[0]], ctx.values[n.inputs[1]]), null),
  backward: (n, _c, gy, ctx) => n.inputs.forEach((k) => passThrough(gy, ctx.gradOf(k))),
};

const flatten: ReferenceKind<Node<'flatten'>, null> = {
  forward: (n, ctx) => smooth(flattenForward(ctx.values[n.input]), null),
  backward: (n, _c, gy, ctx) => passThrough(gy, ctx.gradOf(n.input)),
};

const KINDS: { [O in LayerNode['op']]: ReferenceKind<Node<O>, unknown> } = {
  input, dense, conv2d, batchnorm, activation, maxpool, globalavgpool, add, flatten,
};

export function referenceKindOf(n: LayerNode): ReferenceKind<LayerNode, unknown> {
  return KINDS[n.op] as ReferenceKind<LayerNode, unknown>;
}

/** the batch input as a constant (zero tangent) */
export function inputTensor(x: ArrayLike<number>, shape: number[]): DualTensor {
  return { shape, v: Float64Array.from(x), d: new Float64Array(sizeOf(shape)) };
}
