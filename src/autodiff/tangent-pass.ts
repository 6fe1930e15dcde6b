import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../models/spec.js';
import type { ParamTable } from './param-table.js';
import type { ForwardRecord } from './forward-pass.js';
import type { BackwardRecord } from './backward-pass.js';
import { lossRBackward, type LossCache } from './layers/loss.js';
import { kindOf, nodeInputs } from './layers/registry.js';
import { addTangents, type Tangent } from './layers/types.js';

export interface TangentPassOptions {
  /**
   * The Gauss-Newton product J^T H_loss J v instead of H v: the reverse pass carries only the
   * tangent's cotangent (the layers see no first-order gradient, so their second derivatives drop
   * out), and H_loss R(y) is multiplied by `lossScale`.
   */
  gaussNewton?: { lossScale: number };
}

/**
 * Pearlmutter's R-operator for K parameter directions at once: the forward-mode tangents R(value)
 * of every node, then the reverse pass of the pair (value, tangent), which yields R(gradient) = H v
 * for each parameter. Returns per-parameter products [K, ...shape].
 */
export function tangentPass(
  spec: ModelSpec, table: ParamTable, dirs: Map<string, tf.Tensor>, k: number,
  f: ForwardRecord, b: BackwardRecord, lossCache: LossCache, opts: TangentPassOptions = {},
): Map<string, tf.Tensor> {
  const { access: p, sums } = table.access(k, dirs);
  const nodes = spec.nodes;
  const dep = f.dependsOnParams;
  const r: Tangent[] = [];
  const ts: unknown[] = [];
  // forward mode
  nodes.forEach((n, i) => {
    const rxs = nodeInputs(n).map((j) => r[j]);
    const xs = nodeInputs(n).map((j) => f.values[j]);
    const { ry, t } = kindOf(n).rForward(n, { xs, y: f.values[i], cache: f.caches[i], rxs, p });
    r.push(ry);
    ts.push(t);
  });
  // reverse pass of the pair
  const rg: Tangent[] = nodes.map(() => null);
  const gn = opts.gaussNewton;
  const rOut = lossRBackward(lossCache, r[nodes.length - 1]);
  rg[nodes.length - 1] = gn === undefined || gn.lossScale === 1 || rOut === null ? rOut : tf.mul(rOut, gn.lossScale);
  for (let i = nodes.length - 1; i > 0; i--) {
    const n = nodes[i];
    const gi = b.nodeGrads[i];
    if (gi === null) continue;
    const ins = nodeInputs(n);
    const out = kindOf(n).rBackward(n, {
      xs: ins.map((j) => f.values[j]), y: f.values[i], cache: f.caches[i], rxs: ins.map((j) => r[j]), p,
      back: b.backs[i], t: ts[i], gy: gn === undefined ? gi : null, rgy: rg[i], needInput: ins.map((j) => dep[j]),
    });
    ins.forEach((j, m) => {
      if (dep[j]) rg[j] = addTangents(rg[j], out[m]);
    });
  }
  return sums;
}
