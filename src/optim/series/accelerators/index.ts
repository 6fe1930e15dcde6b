import type { VectorSpace } from '../vector-space.js';
import { levinT } from './levin-t.js';
import type { AccelerationResult } from './types.js';
import { AccelerationBreakdown, lastWindow } from './types.js';
import { vectorEpsilon } from './wynn-epsilon.js';
import { vectorPade } from './vector-pade.js';

export type { AccelerationResult } from './types.js';

/**
 * - 'none': the last partial sum as it is;
 * - 'wynn': Wynn's vector epsilon algorithm (the Shanks transformation) with the Samelson inverse;
 * - 'sablonniere': the same with Sablonniere's modified weights (paper eq. 5, Algorithm 2);
 * - 'levin': Levin's t transformation with signed-norm remainder estimates;
 * - 'pade': least-squares vector Pade approximant with a common scalar denominator.
 */
export const ACCELERATOR_NAMES = ['none', 'wynn', 'sablonniere', 'levin', 'pade'] as const;
export type AcceleratorName = (typeof ACCELERATOR_NAMES)[number];

/**
 * 'reference' reproduces the published code: plain Wynn epsilon whatever the accelerator name,
 * and no guards (a zero denominator produces Inf/NaN as it did there).
 */
export type AccelerationCompat = 'none' | 'reference';

export interface AccelerateOptions {
  /** N: accelerate N times using the last 2N+1 partial sums (N = 0: no acceleration) */
  order: number;
  /** absolute index of sums[0] among the partial sums s_0, s_1, ... (Levin uses it) */
  firstIndex: number;
  compat?: AccelerationCompat;
}

export function isAcceleratorName(name: string): name is AcceleratorName {
  return (ACCELERATOR_NAMES as readonly string[]).includes(name);
}

/**
 * Accelerates the partial sums (not consumed) towards their limit. With guards, any zero or
 * non-finite denominator, or a non-finite result, gives a copy of the last partial sum and
 * fallbacks = 1, so the optimiser can log how often acceleration broke down.
 */
export async function accelerate<V>(
  space: VectorSpace<V>,
  name: AcceleratorName,
  sums: readonly V[],
  options: AccelerateOptions,
): Promise<AccelerationResult<V>> {
  if (!isAcceleratorName(name)) {
    throw new Error(`unknown accelerator '${String(name)}'; choose one of ${ACCELERATOR_NAMES.join(', ')}`);
  }
  const { order, firstIndex } = options;
  const window = lastWindow(sums, order, `accelerator '${name}'`);
  const last = window[window.length - 1];
  if ((options.compat ?? 'none') === 'reference') {
    return { value: await vectorEpsilon(space, window, order, { modified: false, guarded: false }), fallbacks: 0 };
  }
  if (name === 'none' || order === 0) return { value: space.clone(last), fallbacks: 0 };

  let value: V;
  try {
    value = await run(space, name, window, order, firstIndex + (sums.length - window.length));
  } catch (error) {
    if (error instanceof AccelerationBreakdown) return { value: space.clone(last), fallbacks: 1, reason: error.message };
    throw error;
  }
  const size = await space.norm(value);
  if (!Number.isFinite(size)) {
    space.dispose(value);
    return { value: space.clone(last), fallbacks: 1, reason: `${name}: non-finite result (norm ${size})` };
  }
  return { value, fallbacks: 0 };
}

function run<V>(space: VectorSpace<V>, name: AcceleratorName, window: V[], order: number, firstIndex: number): Promise<V> {
  switch (name) {
    case 'wynn':
      return vectorEpsilon(space, window, order, { modified: false, guarded: true });
    case 'sablonniere':
      return vectorEpsilon(space, window, order, { modified: true, guarded: true });
    case 'levin':
      return levinT(space, window, order, firstIndex);
    case 'pade':
      return vectorPade(space, window, order);
    default:
      return Promise.resolve(space.clone(window[window.length - 1]));
  }
}
