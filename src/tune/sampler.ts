/**
 * Seeded sampling of configurations from a search space: the same seed gives the same sequence of
 * configurations on every machine (src/util/random.ts), and the first n of a longer sequence are
 * the n of a shorter one. Parameters are drawn in the space's order; a fixed value draws nothing.
 */
import { Rng } from '../util/random.js';
import type { Distribution, Scalar, SearchSpace } from '../config/search-space.js';

export type Configuration = Record<string, Scalar>;

function draw(d: Distribution, rng: Rng, drawn: Configuration): Scalar {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.low + rng.uniform() * (d.high - d.low);
    case 'logUniform':
      return logUniform(rng, d.low, d.high);
    case 'oneMinusLogUniform':
      return 1 - logUniform(rng, d.low, d.high);
    case 'intUniform':
      return d.low + rng.int(d.high - d.low + 1);
    case 'choice':
      return d.values[rng.int(d.values.length)];
    case 'accelerationOrder': {
      const k = drawn[d.of];
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
        throw new Error(`accelerationOrder of '${d.of}' needs an integer ${d.of} >= 1 drawn before it (got ${String(k)})`);
      }
      return rng.int(Math.floor((k - 1) / 2) + 1);
    }
  }
}

function logUniform(rng: Rng, low: number, high: number): number {
  const a = Math.log(low);
  const x = Math.exp(a + rng.uniform() * (Math.log(high) - a));
  // exp(log(x)) may round a hair outside the range; keep the bounds the user wrote
  return Math.min(high, Math.max(low, x));
}

/** One configuration drawn from `rng`. */
export function sampleConfiguration(space: SearchSpace, rng: Rng): Configuration {
  const out: Configuration = {};
  for (const p of space.params) out[p.name] = draw(p.dist, rng, out);
  return out;
}

/** `count` configurations from the study seed. */
export function sampleConfigurations(space: SearchSpace, seed: number, count: number): Configuration[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => sampleConfiguration(space, rng));
}
