import { Rng } from '../util/random.js';
import { paramSize, type ModelSpec, type ParamInit } from './spec.js';

/** Standard deviation of a standard normal truncated to [-2, 2] (Haiku's correction constant). */
const TRUNCATED_STD = 0.87962566103423978;

function sample(init: ParamInit, rng: Rng): number {
  switch (init.kind) {
    case 'zeros':
      return 0;
    case 'ones':
      return 1;
    case 'truncnormal-linear':
      return rng.truncatedNormal() / Math.sqrt(init.fanIn);
    case 'truncnormal-variance':
      return rng.truncatedNormal() / Math.sqrt(init.fanIn) / TRUNCATED_STD;
  }
}

/**
 * Initial flat parameter vector, deterministic from the seed. Each parameter tensor draws from its
 * own stream (seed, index) so that adding a layer does not reshuffle the others.
 */
export function initParams(spec: ModelSpec, seed: number): Float32Array {
  const total = spec.params.reduce((n, p) => n + paramSize(p), 0);
  const out = new Float32Array(total);
  let offset = 0;
  spec.params.forEach((p, index) => {
    const size = paramSize(p);
    if (p.init.kind === 'ones') out.fill(1, offset, offset + size);
    else if (p.init.kind !== 'zeros') {
      const rng = new Rng(((seed >>> 0) * 1000003 + index * 7919 + 17) >>> 0);
      for (let i = 0; i < size; i++) out[offset + i] = sample(p.init, rng);
    }
    offset += size;
  });
  return out;
}
