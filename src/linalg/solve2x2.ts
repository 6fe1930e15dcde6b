/**
 * Solves the 2x2 system [[a11, a12], [a21, a22]] x = [b1, b2] in float64, robustly.
 *
 * A well-conditioned system is solved exactly (Cramer's rule on the scaled matrix). When the
 * matrix is singular or nearly so (smallest singular value <= rcond * largest), the minimum-norm
 * least-squares solution of the rank-truncated system is returned (the truncated pseudo-inverse):
 * e.g. the adaptive learning-rate / momentum system with no previous step, [[p, 0], [0, 0]], gives
 * x = [b1 / p, 0]. A zero matrix gives x = 0. `rank` says which case applied.
 */
export interface Solve2x2Result {
  x: [number, number];
  /** numerical rank used: 2 (regular), 1 (singular direction dropped) or 0 (zero matrix) */
  rank: 0 | 1 | 2;
  /** smallest / largest singular value (0 for a singular matrix) */
  reciprocalCondition: number;
}

export function solve2x2(
  a11: number,
  a12: number,
  a21: number,
  a22: number,
  b1: number,
  b2: number,
  rcond = 1e-12,
): Solve2x2Result {
  for (const [name, v] of [['a11', a11], ['a12', a12], ['a21', a21], ['a22', a22], ['b1', b1], ['b2', b2]] as const) {
    if (!Number.isFinite(v)) throw new Error(`solve2x2: ${name} is ${v}; the system must be finite`);
  }
  const scale = Math.max(Math.abs(a11), Math.abs(a12), Math.abs(a21), Math.abs(a22));
  if (scale === 0) return { x: [0, 0], rank: 0, reciprocalCondition: 0 };
  // work on A / scale so that squares neither overflow nor underflow
  const p = a11 / scale;
  const q = a12 / scale;
  const r = a21 / scale;
  const s = a22 / scale;
  const { sigmaMax, sigmaMin, v1 } = singularValues2x2(p, q, r, s);
  const reciprocalCondition = sigmaMin / sigmaMax;
  if (reciprocalCondition > rcond) {
    const det = p * s - q * r;
    const x1 = (s * b1 - q * b2) / det / scale;
    const x2 = (p * b2 - r * b1) / det / scale;
    return { x: [x1, x2], rank: 2, reciprocalCondition };
  }
  // rank 1: A ~ sigmaMax u1 v1^T with u1 = A v1 / sigmaMax, so x = v1 (u1 . b) / sigmaMax
  const u1x = (p * v1[0] + q * v1[1]) / sigmaMax;
  const u1y = (r * v1[0] + s * v1[1]) / sigmaMax;
  const coefficient = (u1x * b1 + u1y * b2) / sigmaMax / scale;
  return { x: [coefficient * v1[0], coefficient * v1[1]], rank: 1, reciprocalCondition: Math.max(0, reciprocalCondition) };
}

/** singular values of [[p, q], [r, s]] and the right singular vector of the largest */
function singularValues2x2(p: number, q: number, r: number, s: number): { sigmaMax: number; sigmaMin: number; v1: [number, number] } {
  // A^T A = [[e, f], [f, g]]
  const e = p * p + r * r;
  const f = p * q + r * s;
  const g = q * q + s * s;
  const mean = (e + g) / 2;
  const radius = Math.hypot((e - g) / 2, f);
  const lambdaMax = mean + radius;
  const sigmaMax = Math.sqrt(lambdaMax);
  // sigmaMin from |det| = sigmaMax * sigmaMin, accurate even when tiny
  const sigmaMin = Math.abs(p * s - q * r) / sigmaMax;
  // eigenvector of A^T A for lambdaMax, from whichever row is better conditioned
  let v1: [number, number];
  if (e >= g) v1 = [lambdaMax - g, f];
  else v1 = [f, lambdaMax - e];
  const length = Math.hypot(v1[0], v1[1]);
  v1 = length === 0 ? [1, 0] : [v1[0] / length, v1[1] / length];
  return { sigmaMax, sigmaMin, v1 };
}
