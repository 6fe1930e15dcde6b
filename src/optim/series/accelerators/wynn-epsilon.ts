import type { VectorSpace } from '../vector-space.js';
import { disposeAll } from '../vector-space.js';
import { AccelerationBreakdown, lastWindow, usableDenominator } from './types.js';

export interface EpsilonOptions {
  /**
   * Sablonniere's modification (paper eq. 5 / 9): the inverse in column c is multiplied by
   * floor(c/2) + 1, which makes the first even column exact for s_n = s + x / (n + b)
   * (logarithmic convergence); plain Wynn epsilon (the Shanks transformation) uses 1.
   */
  modified: boolean;
  /**
   * With guards, a zero or non-finite Samelson denominator a.a throws AccelerationBreakdown (the
   * caller falls back); without (compat mode) the arithmetic runs on and may produce Inf or NaN.
   */
  guarded: boolean;
}

/**
 * The vector epsilon algorithm with the Samelson inverse a^{-1} = a / (a.a):
 *   eps^{(-1)}_m = 0, eps^{(0)}_m = s_m,
 *   eps^{(c)}_m = eps^{(c-2)}_{m+1} + w_c (eps^{(c-1)}_{m+1} - eps^{(c-1)}_m)^{-1},
 * returning eps^{(2N)}_0 computed from the last 2N+1 partial sums.
 *
 * Memory-lean (the idea of the paper's Algorithm 2): the table is built one ascending
 * (counter-)diagonal at a time. When s_m arrives, the new diagonal eps^{(c)}_{m-c}, c = 0..m,
 * needs only the previous diagonal, and each previous entry eps^{(c-2)} is freed as soon as the new
 * eps^{(c)} is formed, so about one diagonal (2N+1 vectors) plus two temporaries are alive at once.
 * The inputs are not consumed; the result is owned by the caller.
 */
export async function vectorEpsilon<V>(space: VectorSpace<V>, sums: readonly V[], order: number, options: EpsilonOptions): Promise<V> {
  const window = lastWindow(sums, order, options.modified ? 'Sablonniere epsilon' : 'Wynn epsilon');
  if (order === 0) return space.clone(window[0]);
  // previous[c] = eps^{(c)}_{m-1-c}; previous[0] aliases an input (never disposed here)
  let previous: (V | undefined)[] = [window[0]];
  let current: (V | undefined)[] = previous;
  try {
    for (let m = 1; m < window.length; m++) {
      current = [window[m]];
      for (let c = 1; c <= m; c++) {
        const weight = options.modified ? Math.floor(c / 2) + 1 : 1;
        const difference = space.sub(current[c - 1] as V, previous[c - 1] as V);
        let entry: V;
        try {
          const squared = await space.dot(difference, difference);
          if (options.guarded && !usableDenominator(squared)) {
            throw new AccelerationBreakdown(`epsilon column ${c}: Samelson denominator a.a = ${squared}`);
          }
          const lower = c >= 2 ? previous[c - 2] : undefined; // eps^{(-1)} = 0
          entry = lower === undefined ? space.scale(difference, weight / squared) : space.axpy(weight / squared, difference, lower);
        } finally {
          space.dispose(difference);
        }
        current.push(entry);
        // eps^{(c-2)} of the previous diagonal is no longer needed
        disposeOwned(space, previous, c - 2);
      }
      // the previous diagonal's last two entries (columns m-2, m-1) are done with as well
      for (let c = Math.max(1, m - 2); c < previous.length; c++) disposeOwned(space, previous, c);
      previous = current;
    }
    const result = previous[previous.length - 1] as V;
    previous[previous.length - 1] = undefined;
    return result;
  } finally {
    for (let c = 1; c < previous.length; c++) disposeOwned(space, previous, c);
    for (let c = 1; c < current.length; c++) disposeOwned(space, current, c);
  }
}

function disposeOwned<V>(space: VectorSpace<V>, entries: (V | undefined)[], c: number): void {
  if (c <= 0) return; // column 0 holds the caller's inputs
  disposeAll(space, [entries[c]]);
  entries[c] = undefined;
}
