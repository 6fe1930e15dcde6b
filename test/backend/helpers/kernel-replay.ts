import * as tf from '@tensorflow/tfjs-core';

/**
 * Differential kernel testing: every distinct kernel call (name, input shapes and dtypes, attributes)
 * that some code makes on one backend is recorded with its inputs and outputs, then run again on
 * another backend from the same inputs and compared. This is how webgpu's failures at ranks 5 and
 * 6 were found (src/backend/webgpu-kernels.ts).
 */

interface RecordedTensor {
  shape: number[];
  dtype: tf.DataType;
  values: tf.TypedArray;
}

export interface KernelCall {
  kernelName: string;
  /** a key for the call: kernel, input shapes and dtypes, attributes */
  signature: string;
  /** inputs by name, or positional (Concat, AddN) */
  inputs: [string, RecordedTensor | null][];
  attrs: unknown;
  outputs: RecordedTensor[];
}

type RunKernel = (name: string, inputs: Record<string, tf.Tensor | undefined> | tf.Tensor[], attrs: object) => tf.Tensor | tf.Tensor[];

function engineWithRunKernel(): { runKernel: RunKernel } {
  return tf.engine() as unknown as { runKernel: RunKernel };
}

function record(t: tf.Tensor): RecordedTensor {
  return { shape: t.shape, dtype: t.dtype, values: t.dataSync().slice() };
}

/** Runs `work` on the current backend (one that reads synchronously) and records its distinct kernel calls. */
export async function recordKernelCalls(work: () => Promise<void>): Promise<KernelCall[]> {
  const engine = engineWithRunKernel();
  const runKernel = engine.runKernel;
  const calls = new Map<string, KernelCall>();
  engine.runKernel = (kernelName, inputs, attrs) => {
    const out = runKernel.call(engine, kernelName, inputs, attrs);
    const entries = Object.entries(inputs);
    const signature = `${kernelName} ${JSON.stringify(entries.map(([k, t]) => [k, t?.shape, t?.dtype]))} ${JSON.stringify(attrs)}`;
    if (!calls.has(signature)) {
      calls.set(signature, {
        kernelName,
        signature,
        inputs: entries.map(([k, t]) => [k, t ? record(t) : null]),
        attrs: structuredClone(attrs),
        outputs: (Array.isArray(out) ? out : [out]).map(record),
      });
    }
    return out;
  };
  try {
    await work();
  } finally {
    engine.runKernel = runKernel;
  }
  return [...calls.values()];
}

/** max |got - want| / max |want| */
function relativeError(got: tf.TypedArray, want: tf.TypedArray): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(Number(got[i]) - Number(want[i])));
    scale = Math.max(scale, Math.abs(Number(want[i])));
  }
  return Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff / Math.max(scale, 1e-30);
}

/**
 * Runs each recorded call on the current backend and returns one line per call whose outputs
 * differ by more than `tolerance` (relative) or that throws. Inputs are first moved to the device
 * (an identity op), so that kernels meet them where the real code would.
 */
export async function replayKernelCalls(calls: KernelCall[], tolerance: number): Promise<string[]> {
  const engine = engineWithRunKernel();
  const onDevice = (r: RecordedTensor): tf.Tensor =>
    tf.tidy(() => {
      const t = tf.tensor(r.values, r.shape, r.dtype);
      return r.dtype === 'bool' ? t : tf.add(t, tf.scalar(0, r.dtype));
    });
  const failures: string[] = [];
  for (const call of calls) {
    const named = call.inputs.map(([name, r]) => [name, r && onDevice(r)] as const);
    const positional = named.every(([name]) => /^\d+$/.test(name));
    const inputs = positional
      ? named.map(([, t]) => t as tf.Tensor)
      : Object.fromEntries(named.map(([name, t]) => [name, t ?? undefined]));
    let problem = '';
    try {
      const out = engine.runKernel(call.kernelName, inputs, structuredClone(call.attrs) as object);
      const outs = Array.isArray(out) ? out : [out];
      for (const [i, t] of outs.entries()) {
        const got = await t.data();
        t.dispose();
        const want = call.outputs[i].values;
        const err = got.length === want.length ? relativeError(got as tf.TypedArray, want) : Number.POSITIVE_INFINITY;
        if (!(err <= tolerance)) problem += ` output ${i}: relative error ${err.toExponential(2)}`;
      }
    } catch (e) {
      problem = ` threw: ${(e as Error).message.split('\n')[0]}`;
    }
    tf.dispose(named.flatMap(([, t]) => (t ? [t] : [])));
    if (problem) failures.push(`${call.signature.slice(0, 200)}:${problem}`);
  }
  return failures;
}
