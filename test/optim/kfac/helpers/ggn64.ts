import type { ModelDef } from '../../../../src/models/zoo.js';
import type { PlainBatch } from '../../../../src/check/problem.js';
import { Net64, softmax64 } from './net64.js';

/**
 * The Fisher / Gauss-Newton products G v = J^T H_loss J v / N in float64, with J formed explicitly
 * (one reverse pass of the brute-force network per output of each example) and H_loss per example
 * (kfac-jax's factor 2 for 'mse'; p p^T-diag(p) for cross-entropy); padding rows count nowhere.
 */
export function explicitGgn64(def: ModelDef, params: ArrayLike<number>, batch: PlainBatch, vs: ArrayLike<number>[]): Float64Array[] {
  const net = new Net64(def.spec, params);
  const f = net.forward(batch.x, batch.batchSize);
  const out = f.values[f.values.length - 1];
  const [b, o] = out.shape;
  const n = params.length;
  const jac: Float64Array[] = []; // rows (example, output)
  for (let r = 0; r < b * o; r++) {
    const e = new Float64Array(b * o);
    e[r] = 1;
    jac.push(net.flatten(net.backward(f, e).paramGrads));
  }
  const count = Array.from(batch.mask).reduce((x, y) => x + y, 0);
  const probs = def.loss === 'ce' ? softmax64(out) : null;
  return vs.map((v) => {
    const jv = jac.map((row) => row.reduce((s, x, i) => s + x * v[i], 0));
    const u = new Float64Array(b * o); // H_loss J v, per example
    for (let e = 0; e < b; e++) {
      const w = batch.mask[e] / count;
      for (let i = 0; i < o; i++) {
        if (probs === null) u[e * o + i] = 2 * w * jv[e * o + i];
        else {
          let pjv = 0;
          for (let k = 0; k < o; k++) pjv += probs[e * o + k] * jv[e * o + k];
          u[e * o + i] = w * probs[e * o + i] * (jv[e * o + i] - pjv);
        }
      }
    }
    const gv = new Float64Array(n);
    jac.forEach((row, r) => row.forEach((x, i) => (gv[i] += x * u[r])));
    return gv;
  });
}
