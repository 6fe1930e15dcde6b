import type { z } from 'zod';
import type { OptimiserDescriptor } from '../../src/optim/descriptor.js';
import type { Optimizer } from '../../src/optim/optimizer.js';

/** The optimiser of a descriptor from raw hyperparameters (schema defaults filled in, ranges checked). */
export function make<S extends z.ZodObject>(d: OptimiserDescriptor<string, S>, hp: z.input<S>, parameterCount = 0): Optimizer {
  if (!d.create) throw new Error(`${d.name} is not implemented`);
  return d.create(d.schema.parse(hp), { parameterCount, seed: 0 });
}
