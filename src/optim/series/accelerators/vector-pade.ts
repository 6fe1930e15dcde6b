import type { VectorSpace } from '../vector-space.js';
import { disposeAll } from '../vector-space.js';
import { solveLinearSystem } from '../../../linalg/linear-solve.js';
import { AccelerationBreakdown, lastWindow, usableDenominator } from './types.js';

/**
 * Vector Pade approximation with a common scalar denominator of degree N (the minimal-polynomial
 * route: Sidi's MPE, fitted by least squares over the whole window).
 *
 * Model: the errors s_m - s obey one scalar recurrence sum_{i=0..N} q_i (s_{m+i} - s) = 0 with
 * q_N = 1 (the denominator polynomial q, shared by every component). Then the differences
 * u_m = s_{m+1} - s_m obey it too, and with the 2N+1 partial sums t_0 .. t_{2N} of the window
 * (2N differences u_0 .. u_{2N-1}) we choose q_0 .. q_{N-1} minimising
 *
 *     sum_{j=0..N-1} || sum_{i=0..N} q_i u_{j+i} ||^2      (normal equations from the N+1 x N+1 Gram sums)
 *
 * and return sum_i gamma_i t_{N+i} with gamma = q / sum(q) (the newest sums). For scalar sequences
 * the N equations are square and this is exactly the Pade approximant [n+N / N] at z = 1, i.e. the
 * Shanks transformation e_N; for vectors it is a least-squares vector Pade approximant that differs
 * from the epsilon algorithm's. It is exact whenever the errors are a sum of N geometric modes.
 * Costs 2N(2N+1)/2 dot products and keeps the 2N differences alive.
 */
export async function vectorPade<V>(space: VectorSpace<V>, sums: readonly V[], order: number): Promise<V> {
  const window = lastWindow(sums, order, 'vector Pade');
  if (order === 0) return space.clone(window[0]);
  const N = order;
  const differences: V[] = [];
  const products: number[][] = [];
  try {
    for (let p = 0; p < 2 * N; p++) {
      differences.push(space.sub(window[p + 1], window[p]));
      products.push([]);
      for (let r = 0; r <= p; r++) products[p][r] = await space.dot(differences[p], differences[r]);
    }
  } finally {
    disposeAll(space, differences);
  }
  const dot = (p: number, r: number): number => (p >= r ? products[p][r] : products[r][p]);
  const gram = (i: number, l: number): number => {
    let s = 0;
    for (let j = 0; j < N; j++) s += dot(j + i, j + l);
    return s;
  };

  const matrix = new Float64Array(N * N);
  const rhs = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let l = 0; l < N; l++) matrix[i * N + l] = gram(i, l);
    rhs[i] = -gram(i, N);
  }
  const solution = solveLinearSystem(matrix, rhs, N);
  if (solution === null) throw new AccelerationBreakdown('vector Pade: singular denominator system');
  const q = [...solution, 1];
  const total = q.reduce((a, x) => a + x, 0);
  if (!usableDenominator(total) || q.some((x) => !Number.isFinite(x))) {
    throw new AccelerationBreakdown(`vector Pade: denominator q(1) = ${total}`);
  }
  return space.linearCombination(
    q.map((x) => x / total),
    window.slice(N),
  );
}
