import * as tf from '@tensorflow/tfjs-core';
import { modelObjective, type Batch, type ObjectiveEngine } from '../autodiff/model-objective.js';
import type { ModelDef } from '../models/zoo.js';
import type { PlainBatch } from './problem.js';

/** Builds the engine's batch tensors from plain arrays (caller disposes them). */
export function toEngineBatch(def: ModelDef, b: PlainBatch): Batch {
  const x = tf.tensor(b.x, [b.batchSize, ...def.spec.inputShape]);
  const targets = def.loss === 'mse' ? tf.tensor2d(b.targets, [b.batchSize, def.spec.outputSize]) : tf.tensor1d(b.targets);
  return { x, targets, mask: tf.tensor1d(b.mask) };
}

export function disposeBatch(b: Batch): void {
  tf.dispose([b.x, b.targets, b.mask]);
}

/** Engine quantities at one point, copied out of tfjs into plain arrays. */
export interface EngineProducts {
  loss: number;
  grad: Float32Array;
  hvps: Float32Array[];
}

/** Loss, gradient and H v for each direction from the tfjs engine; frees everything it makes. */
export async function engineProducts(
  def: ModelDef, params: Float32Array, batch: PlainBatch, directions: Float32Array[], engine: ObjectiveEngine = 'auto',
): Promise<EngineProducts> {
  const bad = params.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`parameters of ${def.spec.name}: non-finite value ${params[bad]} at index ${bad}`);
  const b = toEngineBatch(def, batch);
  const p = tf.tensor1d(params);
  // checked above on the host: the objective's own check reads the device synchronously, which
  // the webgpu backend cannot do in Node
  const objective = modelObjective(def, p, b, { checkFinite: false, engine });
  try {
    const { loss, grad } = objective.lossAndGrad();
    const out: EngineProducts = { loss: (await loss.data())[0], grad: (await grad.data()) as Float32Array, hvps: [] };
    tf.dispose([loss, grad]);
    for (const v of directions) {
      const vt = tf.tensor1d(v);
      const hv = objective.hvp(vt);
      out.hvps.push((await hv.data()) as Float32Array);
      tf.dispose([vt, hv]);
    }
    return out;
  } finally {
    objective.dispose();
    tf.dispose(p);
    disposeBatch(b);
  }
}

/** The engine gradient alone at a point. */
export async function engineGrad(def: ModelDef, params: Float32Array, batch: PlainBatch): Promise<Float32Array> {
  return (await engineProducts(def, params, batch, [])).grad;
}
