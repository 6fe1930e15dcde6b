import type { VectorSpace } from '../vector-space.js';
import { AccelerationBreakdown, lastWindow, usableDenominator } from './types.js';

/**
 * Levin's t transformation for vector partial sums, with scalar remainder estimates.
 *
 * Levin's model is s_n = s + omega_n * sum_{i<k} beta_i / (n + b)^i; with a scalar omega_n the
 * coefficients beta_i may be vectors, and the transformation is a weighted mean of partial sums
 * with scalar weights summing to one:
 *
 *   T = sum_j w_j s_{n+j} / sum_j w_j,   w_j = (-1)^j C(k, j) ((b + n + j) / (b + n + k))^{k-1} / omega_{n+j}.
 *
 * The t variant takes the remainder estimate from the last term, a_n = s_n - s_{n-1}; for vectors
 * we use its norm, signed by its alignment with the newest term, omega_n = sign(a_n . a_last) ||a_n||,
 * so alternating series keep their alternation. With k = 1 this is Aitken's Delta^2 process.
 *
 * Order N: the window holds the last 2N+1 partial sums s_{n-1} .. s_{n+k}, of which 2N have a known
 * last term, so k = 2N - 1 (order 1 is Aitken; order 2 is a k = 3 Levin transformation). `firstIndex`
 * is the absolute index of sums[0] (the transformation depends on n through b + n); b = 1.
 */
export async function levinT<V>(space: VectorSpace<V>, sums: readonly V[], order: number, firstIndex: number, b = 1): Promise<V> {
  const window = lastWindow(sums, order, 'Levin t');
  if (order === 0) return space.clone(window[0]);
  if (!Number.isInteger(firstIndex) || firstIndex < 0) throw new Error(`Levin t: firstIndex must be an integer >= 0, got ${firstIndex}`);
  const k = 2 * order - 1;
  const n = firstIndex + (sums.length - window.length) + 1; // absolute index of window[1]

  const lastTerm = space.sub(window[k + 1], window[k]);
  const omega = new Array<number>(k + 1);
  try {
    for (let j = 0; j <= k; j++) {
      const term = j === k ? lastTerm : space.sub(window[j + 1], window[j]);
      try {
        const size = await space.norm(term);
        const alignment = j === k ? 1 : await space.dot(term, lastTerm);
        omega[j] = alignment < 0 ? -size : size;
      } finally {
        if (term !== lastTerm) space.dispose(term);
      }
    }
  } finally {
    space.dispose(lastTerm);
  }

  const weights = new Array<number>(k + 1);
  let total = 0;
  let binomial = 1; // C(k, j)
  for (let j = 0; j <= k; j++) {
    if (!usableDenominator(omega[j])) throw new AccelerationBreakdown(`Levin t: remainder estimate omega_${n + j} = ${omega[j]}`);
    const ratio = (b + n + j) / (b + n + k);
    weights[j] = ((j % 2 === 0 ? 1 : -1) * binomial * Math.pow(ratio, k - 1)) / omega[j];
    total += weights[j];
    binomial = (binomial * (k - j)) / (j + 1);
  }
  if (!usableDenominator(total)) throw new AccelerationBreakdown(`Levin t: denominator sum_j w_j = ${total}`);
  return space.linearCombination(
    weights.map((w) => w / total),
    window.slice(1),
  );
}
