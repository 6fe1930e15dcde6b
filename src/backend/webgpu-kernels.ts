import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from './stock-kernels.js';

/**
 * tfjs-backend-webgpu 4.22 fails on ranks 5 and 6, which the engine's curvature passes use
 * (tangents carry a leading direction axis: [K, B, H, W, C]); found by replaying every kernel
 * call of the check models on webgpu against cpu (test/backend/webgpu-kernels.test.ts):
 *  - PadV2 at rank 6: its shader does not compile (WGSL cannot index the vec6 struct tfjs
 *    emulates), and the output comes back as zeros;
 *  - Tile at rank >= 5 reads its input synchronously, which Node cannot do on this backend;
 *  - binary ops (Add, Multiply, ...) with a rank-1 operand of fewer than 128 values and a
 *    result of rank >= 5: the shared-memory shader indexes the same struct and fails.
 * The wrappers below run the backend's own kernels on equivalent views of rank <= 4.
 * And AddN, found when `sfn run` evaluated Fashion-MNIST's 10 chunks: its one shader binds every
 * input as a storage buffer, more than the device allows past maxStorageBuffersPerShaderStage
 * (8 on llvmpipe through OpenGL ES; WebGPU's default limit is 8 too), and the invalid pipeline
 * leaves the output unwritten. The wrapper adds in groups that fit, left to right as the kernel
 * does, so the float32 result is the same.
 */

const BACKEND = 'webgpu';
const MAX_RANK = 4;

/** A kernel's arguments, with the backend typed (tf.KernelFunc leaves it as {}). */
interface Args {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

function stock(kernelName: string): tf.KernelFunc {
  const config = stockKernel(kernelName, BACKEND);
  if (config === undefined) throw new Error(`sfn: webgpu's own ${kernelName} kernel was not recorded; call initBackend('webgpu')`);
  return config.kernelFunc;
}

/** A view of x with another shape, sharing its data (release with backend.disposeData). */
function reshape(x: tf.TensorInfo, shape: number[], backend: tf.KernelBackend): tf.TensorInfo {
  const kernel = tf.getKernel(tf.Reshape, BACKEND)!;
  return kernel.kernelFunc({ inputs: { x }, backend, attrs: { shape } }) as tf.TensorInfo;
}

const product = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Consecutive axes grouped so that each group starts at an active axis (or at axis 0) and
 * takes the inactive axes after it: merging a group into one axis leaves a per-axis op unchanged.
 */
export function axisGroups(active: readonly boolean[]): number[][] {
  const groups: number[][] = [];
  active.forEach((isActive, axis) => {
    if (isActive || axis === 0) groups.push([axis]);
    else groups[groups.length - 1].push(axis);
  });
  return groups;
}

/** An op that acts on each axis separately (pad, tile), with a parameter per axis. */
interface PerAxisOp<P> {
  kernelName: string;
  identity: P;
  isIdentity(p: P): boolean;
  /** the parameter of a merged group: its first axis's, given the size of the axes after it */
  merge(p: P, innerSize: number): P;
  outSize(size: number, p: P): number;
  run(x: tf.TensorInfo, params: P[], args: Args): tf.TensorInfo;
}

function lowRank<P>(op: PerAxisOp<P>, x: tf.TensorInfo, params: P[], args: Args): tf.TensorInfo {
  const { backend } = args;
  const active = params.map((p) => !op.isIdentity(p));
  const groups = axisGroups(active);
  if (groups.length > MAX_RANK) {
    // too many active axes for one view: do the first three, then the rest
    const first = new Set(active.flatMap((a, i) => (a ? [i] : [])).slice(0, MAX_RANK - 1));
    const partial = lowRank(op, x, params.map((p, i) => (first.has(i) ? p : op.identity)), args);
    const out = lowRank(op, partial, params.map((p, i) => (first.has(i) ? op.identity : p)), args);
    backend.disposeData(partial.dataId);
    return out;
  }
  const shape = groups.map((g) => product(g.map((i) => x.shape[i])));
  const merged = groups.map((g) => op.merge(params[g[0]], product(g.slice(1).map((i) => x.shape[i]))));
  const view = reshape(x, shape, backend);
  const result = op.run(view, merged, args);
  const out = reshape(result, x.shape.map((s, i) => op.outSize(s, params[i])), backend);
  backend.disposeData(view.dataId);
  backend.disposeData(result.dataId);
  return out;
}

type Padding = [number, number];

const padOp: PerAxisOp<Padding> = {
  kernelName: tf.PadV2,
  identity: [0, 0],
  isIdentity: ([before, after]) => before === 0 && after === 0,
  merge: ([before, after], inner) => [before * inner, after * inner],
  outSize: (size, [before, after]) => size + before + after,
  run: (x, paddings, { backend, attrs }) =>
    stock(tf.PadV2)({ inputs: { x }, backend, attrs: { ...attrs, paddings } }) as tf.TensorInfo,
};

const tileOp: PerAxisOp<number> = {
  kernelName: tf.Tile,
  identity: 1,
  isIdentity: (reps) => reps === 1,
  merge: (reps) => reps,
  outSize: (size, reps) => size * reps,
  run: (x, reps, { backend, attrs }) => stock(tf.Tile)({ inputs: { x }, backend, attrs: { ...attrs, reps } }) as tf.TensorInfo,
};

function perAxisKernel<P>(op: PerAxisOp<P>, paramsOf: (attrs: tf.NamedAttrMap) => P[]): tf.KernelFunc {
  return (kernelArgs) => {
    const args = kernelArgs as Args;
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.shape.length <= MAX_RANK) return stock(op.kernelName)(args);
    return lowRank(op, x, paramsOf(args.attrs ?? {}), args);
  };
}

export const padV2Kernel = perAxisKernel(padOp, (a) => (a as unknown as tf.PadV2Attrs).paddings as Padding[]);
export const tileKernel = perAxisKernel(tileOp, (a) => (a as unknown as tf.TileAttrs).reps);

/** webgpu's kernels built on its BinaryOpProgram (kernels/*.js using binaryKernelFunc). */
export const WEBGPU_BINARY_KERNELS = [
  tf.Add, tf.Sub, tf.Multiply, tf.RealDiv, tf.FloorDiv, tf.Mod, tf.Pow, tf.SquaredDifference, tf.Atan2,
  tf.Maximum, tf.Minimum, tf.Equal, tf.NotEqual, tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual,
  tf.LogicalAnd, tf.LogicalOr,
] as const;

/** A rank-1 operand becomes [1, n] (same broadcast) when the result has rank >= 5. */
function binaryKernel(kernelName: string): tf.KernelFunc {
  return (kernelArgs) => {
    const args = kernelArgs as Args;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const rank = Math.max(a.shape.length, b.shape.length);
    if (rank <= MAX_RANK || (a.shape.length !== 1 && b.shape.length !== 1)) return stock(kernelName)(args);
    const { backend } = args;
    const lift = (t: tf.TensorInfo) => (t.shape.length === 1 ? reshape(t, [1, t.shape[0]], backend) : t);
    const [a2, b2] = [lift(a), lift(b)];
    try {
      return stock(kernelName)({ ...args, inputs: { a: a2, b: b2 } });
    } finally {
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
    }
  };
}

/** AddN in groups of at most the storage buffers a shader may bind (less one for the output). */
export function addNKernel(kernelArgs: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const args = kernelArgs as Args;
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  const { backend } = args;
  const limits = (backend as unknown as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device?.limits;
  const group = Math.max(2, (limits?.maxStorageBuffersPerShaderStage ?? 8) - 1);
  if (inputs.length <= group) return stock(tf.AddN)(args) as tf.TensorInfo;
  let sum = stock(tf.AddN)({ ...args, inputs: inputs.slice(0, group) as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
  for (let i = group; i < inputs.length; i += group - 1) {
    const next = stock(tf.AddN)({ ...args, inputs: [sum, ...inputs.slice(i, i + group - 1)] as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    backend.disposeData(sum.dataId);
    sum = next;
  }
  return sum;
}

/** The kernels sfn registers on webgpu (in place of the backend's own, which they call). */
export const WEBGPU_KERNEL_FIXES: readonly { kernelName: string; kernelFunc: tf.KernelFunc }[] = [
  { kernelName: tf.PadV2, kernelFunc: padV2Kernel },
  { kernelName: tf.Tile, kernelFunc: tileKernel },
  { kernelName: tf.AddN, kernelFunc: addNKernel as tf.KernelFunc },
  ...WEBGPU_BINARY_KERNELS.map((kernelName) => ({ kernelName, kernelFunc: binaryKernel(kernelName) })),
];
