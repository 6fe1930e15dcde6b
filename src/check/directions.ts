import { paramOffsets, type ModelSpec } from '../models/spec.js';

/**
 * Parameters whose change moves no relu pre-activation and no max-pool input: those used only by
 * nodes after the last relu or max-pool (for ResNet-18 and the MLPs: the final dense layer).
 * Along such a direction every parameter's gradient is a smooth function of the step, so finite
 * differences cross no kink however large the step. (A node can only feed later nodes.)
 */
export function kinkFreeParameters(spec: ModelSpec): string[] {
  let lastKink = -1;
  spec.nodes.forEach((node, i) => {
    if ((node.op === 'activation' && node.fn === 'relu') || node.op === 'maxpool') lastKink = i;
  });
  const names: string[] = [];
  spec.nodes.forEach((node, i) => {
    if (i <= lastKink) return;
    for (const [key, value] of Object.entries(node)) {
      if (['weight', 'bias', 'filter', 'scale', 'offset'].includes(key) && typeof value === 'string') names.push(value);
    }
  });
  return names;
}

/** A copy of v that is zero outside the named parameters. */
export function restrictDirection(spec: ModelSpec, v: Float32Array, names: string[]): Float32Array {
  const out = new Float32Array(v.length);
  const offsets = paramOffsets(spec);
  for (const name of names) {
    const o = offsets.get(name);
    if (!o) throw new Error(`model ${spec.name} has no parameter "${name}"`);
    out.set(v.subarray(o.offset, o.offset + o.size), o.offset);
  }
  return out;
}
