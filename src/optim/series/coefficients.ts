/**
 * Coefficients of the damped inverse-square-root series.
 *
 * With terms v_0 = g, v_k = (I - H^2/V)^k g, the update is V^{-1/2} sum_k c_k v_k. In the
 * eigenbasis of H every component is a scalar series in z = 1 - mu, where mu = h^2/V is the
 * eigenvalue of H^2/V (in [0, 1] once V >= lambda_max(H^2)). With a = lambda / sqrt(V) we want
 *
 *     V^{-1/2} sum_k c_k z^k = 1 / (|h| + lambda)   <=>   sum_k c_k z^k = f(z) = 1 / (sqrt(1 - z) + a),
 *
 * so c_k are the Taylor coefficients of f about z = 0 (mu = 1). For a = 0 they are the paper's
 * binomial coefficients C(2k, k) / 4^k; the series converges for mu in (0, 2), and at mu = 0 too
 * when a > 0.
 *
 * Stable computation: from (sqrt(1 - z) + a) f(z) = 1 and sqrt(1 - z) = sum_j b_j z^j with
 * b_0 = 1 and b_j = binom(1/2, j) (-1)^j < 0 for j >= 1 (sum_{j>=1} |b_j| = 1):
 *
 *     c_0 = 1 / (1 + a),   c_k = (sum_{j=1..k} |b_j| c_{k-j}) / (1 + a).
 *
 * Every term is positive (no cancellation) and the division is by 1 + a >= 1, so rounding errors
 * never grow: O(K^2) operations, negligible for the K used here.
 *
 * The published code instead uses (mu - a^2) f = sqrt(mu) - a, i.e.
 * c_k = -(c_{k-1} + b_k) / (a^2 - 1): it divides by 1 - a^2 at every step, so a rounding error is
 * amplified by (1 - a^2)^{-k}; in float32 the coefficients are garbage once a exceeds ~0.7 (and the
 * recursion divides by zero at a = 1). `referenceSeriesCoefficients` reproduces it, float32 rounding
 * included, for compat mode.
 */

/** b_k = binom(1/2, k) (-1)^k, the coefficients of sqrt(1 - z) */
export function sqrtSeriesCoefficients(count: number): Float64Array {
  checkCount(count);
  const b = new Float64Array(count);
  if (count > 0) b[0] = 1;
  for (let k = 1; k < count; k++) b[k] = (b[k - 1] * (k - 1.5)) / k;
  return b;
}

/** C(2k, k) / 4^k, the coefficients of (1 - z)^{-1/2} (the undamped series of the paper) */
export function binomialSeriesCoefficients(count: number): Float64Array {
  checkCount(count);
  const c = new Float64Array(count);
  if (count > 0) c[0] = 1;
  for (let k = 1; k < count; k++) c[k] = (c[k - 1] * (2 * k - 1)) / (2 * k);
  return c;
}

/**
 * c_0 .. c_{count-1} for damping ratio a = lambda / sqrt(V) >= 0, computed stably in float64.
 * The coefficients do not depend on the truncation: a longer list extends a shorter one.
 */
export function dampedSeriesCoefficients(count: number, dampingRatio: number): Float64Array {
  checkCount(count);
  checkDampingRatio(dampingRatio);
  if (dampingRatio === 0) return binomialSeriesCoefficients(count);
  const absB = sqrtSeriesCoefficients(count).map(Math.abs);
  const c = new Float64Array(count);
  const inv = 1 / (1 + dampingRatio);
  for (let k = 0; k < count; k++) {
    let s = k === 0 ? 1 : 0;
    for (let j = 1; j <= k; j++) s += absB[j] * c[k - j];
    c[k] = s * inv;
  }
  return c;
}

/**
 * The published recursion, float32 arithmetic emulated with Math.fround at every operation:
 * c_0 = 1 / (1 + lambda / sqrt(V)), c_k = (-1 / (lambda^2 / V - 1)) (c_{k-1} + b_k), rounded in that
 * order. With one term the published loop never runs and c_0 = 1: the update is g / sqrt(V) whatever
 * lambda. Unstable for lambda / sqrt(V) above ~0.7 (see the file comment); for compat mode only.
 */
export function referenceSeriesCoefficients(count: number, damping: number, V: number): Float64Array {
  checkCount(count);
  if (!(damping >= 0) || !Number.isFinite(damping)) throw new Error(`damping must be a finite number >= 0, got ${damping}`);
  if (!(V > 0) || !Number.isFinite(V)) throw new Error(`V must be a finite number > 0, got ${V}`);
  const f = Math.fround;
  const lambda = f(damping);
  const v = f(V);
  const b = sqrtSeriesCoefficients(count);
  const factor = f(-f(1 / f(f(f(lambda * lambda) / v) - 1)));
  const c = new Float64Array(count);
  if (count === 1) c[0] = 1;
  else if (count > 1) c[0] = f(1 / f(1 + f(lambda / f(Math.sqrt(v)))));
  for (let k = 1; k < count; k++) c[k] = f(factor * f(c[k - 1] + f(b[k])));
  return c;
}

/** the scalar function the series converges to, in terms of mu = h^2 / V: 1 / (sqrt(mu) + a) */
export function dampedInverseSqrt(mu: number, dampingRatio: number): number {
  return 1 / (Math.sqrt(mu) + dampingRatio);
}

/** sum_k c_k (1 - mu)^k: the truncated series on one eigenvalue (Horner form) */
export function evaluateTruncatedSeries(coefficients: ArrayLike<number>, mu: number): number {
  const z = 1 - mu;
  let s = 0;
  for (let k = coefficients.length - 1; k >= 0; k--) s = s * z + coefficients[k];
  return s;
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new Error(`coefficient count must be an integer >= 0, got ${count}`);
}

function checkDampingRatio(a: number): void {
  if (!(a >= 0) || !Number.isFinite(a)) {
    throw new Error(`damping ratio lambda / sqrt(V) must be a finite number >= 0, got ${a} (is the damping negative or V zero?)`);
  }
}
