import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binomialSeriesCoefficients,
  dampedInverseSqrt,
  dampedSeriesCoefficients,
  evaluateTruncatedSeries,
  referenceSeriesCoefficients,
  sqrtSeriesCoefficients,
} from '../../../src/optim/series/coefficients.js';

/** exact rationals on BigInt, enough for the reference recursion */
class Fraction {
  constructor(readonly num: bigint, readonly den: bigint) {}
  static of(n: number | bigint, d: number | bigint = 1n): Fraction {
    return new Fraction(BigInt(n), BigInt(d)).reduce();
  }
  reduce(): Fraction {
    const g = gcd(this.num < 0n ? -this.num : this.num, this.den);
    const sign = this.den < 0n ? -1n : 1n;
    return g === 0n ? this : new Fraction((sign * this.num) / g, (sign * this.den) / g);
  }
  add(o: Fraction): Fraction {
    return new Fraction(this.num * o.den + o.num * this.den, this.den * o.den).reduce();
  }
  mul(o: Fraction): Fraction {
    return new Fraction(this.num * o.num, this.den * o.den).reduce();
  }
  div(o: Fraction): Fraction {
    return new Fraction(this.num * o.den, this.den * o.num).reduce();
  }
  neg(): Fraction {
    return new Fraction(-this.num, this.den);
  }
  toNumber(): number {
    // scale down to keep the division within float range
    const shift = BigInt(Math.max(0, this.den.toString(2).length - 1000));
    return Number(this.num >> shift) / Number(this.den >> shift);
  }
}
function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** the reference recursion c_k = (c_{k-1} + b_k) / (1 - a^2) in exact arithmetic (no rounding, so no blow-up) */
function exactCoefficients(count: number, a: Fraction): number[] {
  const one = Fraction.of(1);
  const b: Fraction[] = [one];
  for (let k = 1; k < count; k++) b.push(b[k - 1].mul(Fraction.of(2 * k - 3, 2 * k))); // b_k = b_{k-1} (k - 3/2) / k
  const oneMinusA2 = one.add(a.mul(a).neg());
  const c: Fraction[] = [one.div(one.add(a))];
  for (let k = 1; k < count; k++) c.push(c[k - 1].add(b[k]).div(oneMinusA2));
  return c.map((x) => x.toNumber());
}

test('undamped coefficients are C(2k, k) / 4^k, exactly the paper series', () => {
  const c = binomialSeriesCoefficients(30);
  let central = 1n; // C(2k, k)
  for (let k = 0; k < 30; k++) {
    if (k > 0) central = (central * BigInt(2 * k) * BigInt(2 * k - 1)) / BigInt(k * k);
    assert.equal(c[k], Number(central) / 4 ** k);
  }
  assert.deepEqual(Array.from(dampedSeriesCoefficients(30, 0)), Array.from(c));
  // sqrt(1 - z) coefficients: 1, -1/2, -1/8, -1/16, -5/128
  assert.deepEqual(Array.from(sqrtSeriesCoefficients(5)), [1, -0.5, -0.125, -0.0625, -5 / 128]);
});

test('stable damped coefficients match the exact rational recursion for every damping ratio', () => {
  for (const [p, q] of [[1, 10], [1, 2], [7, 10], [9, 10], [99, 100], [3, 2], [5, 1]]) {
    const a = p / q;
    const exact = exactCoefficients(60, Fraction.of(p, q));
    const stable = dampedSeriesCoefficients(60, a);
    for (let k = 0; k < 60; k++) {
      assert.ok(stable[k] > 0, 'all coefficients are positive');
      const rel = Math.abs(stable[k] - exact[k]) / exact[k];
      assert.ok(rel < 1e-13, `a = ${a}, k = ${k}: ${stable[k]} vs exact ${exact[k]} (rel ${rel})`);
    }
  }
});

test('a = 1 (where the reference recursion divides by zero) is fine', () => {
  const c = dampedSeriesCoefficients(400, 1);
  for (const mu of [0.05, 0.3, 1, 1.5]) {
    assert.ok(Math.abs(evaluateTruncatedSeries(c, mu) - dampedInverseSqrt(mu, 1)) < 1e-9);
  }
  assert.ok(!Number.isFinite(referenceSeriesCoefficients(5, 10, 100)[1]), 'the reference recursion breaks at lambda = sqrt(V)');
});

test('truncated series on eigenvalues converges to 1 / (sqrt(mu) + a), including a > 0.7', () => {
  const K = 300;
  for (const a of [0, 0.2, 0.7, 0.75, 0.9, 2, 10]) {
    const c = dampedSeriesCoefficients(K, a);
    for (let mu = 0.2; mu <= 1.8; mu += 0.1) {
      // tail bound: c_k <= c_0 <= 1 and |1 - mu| <= 0.8, so the tail is below 0.8^K / 0.2 ~ 1e-29
      const err = Math.abs(evaluateTruncatedSeries(c, mu) - dampedInverseSqrt(mu, a));
      assert.ok(err < 1e-12, `a = ${a}, mu = ${mu.toFixed(1)}: error ${err}`);
    }
  }
});

test('damped series converges even at mu = 0 (a singular Hessian direction)', () => {
  const a = 0.5;
  const errors = [100, 1000, 10000].map((K) => Math.abs(evaluateTruncatedSeries(dampedSeriesCoefficients(K, a), 0) - 1 / a));
  assert.ok(errors[0] > errors[1] && errors[1] > errors[2] && errors[2] < 0.05, `errors ${errors}`);
});

test('the reference float32 recursion agrees for small damping and blows up once lambda / sqrt(V) > ~0.7', () => {
  const V = 100;
  const small = referenceSeriesCoefficients(20, 0.1 * 10, V);
  const stableSmall = dampedSeriesCoefficients(20, 0.1);
  for (let k = 0; k < 20; k++) assert.ok(Math.abs(small[k] - stableSmall[k]) < 1e-5 * stableSmall[0]);
  for (const a of [0.8, 0.9]) {
    const K = 30;
    const reference = referenceSeriesCoefficients(K, a * 10, V);
    const stable = dampedSeriesCoefficients(K, a);
    const worst = Math.max(...Array.from(stable, (s, k) => Math.abs(reference[k] - s) / s));
    assert.ok(worst > 1, `a = ${a}: reference relative error only ${worst}`);
    // and the damage shows in the function it represents (small mu: slowly decaying eigen-directions)
    const mu = 0.1;
    const refErr = Math.abs(evaluateTruncatedSeries(reference, mu) - dampedInverseSqrt(mu, a));
    const stableErr = Math.abs(evaluateTruncatedSeries(stable, mu) - dampedInverseSqrt(mu, a));
    assert.ok(refErr > 1 && stableErr < 1e-2, `a = ${a}: reference error ${refErr}, stable error ${stableErr}`);
  }
  // every reference value is a float32
  for (const x of referenceSeriesCoefficients(10, 0.3, 2)) assert.equal(x, Math.fround(x));
});

test('the reference recursion rounds as the published code does, and one term is c_0 = 1', () => {
  // numpy float32, in the published order: c = (-1 / (lambda^2 / V - 1)) * (c + binom(1/2, k) (-1)^k),
  // lambda = 7, V = 100 (inside the unstable range, where the rounding order shows)
  const expected = [
    0.5882352590560913, 0.17301031947135925, 0.09413788467645645, 0.06203506886959076, 0.04504425451159477,
    0.03470687195658684, 0.027841292321681976, 0.022996099665760994, 0.019419722259044647, 0.016685662791132927,
    0.01453359518200159, 0.012793408706784248, 0.01134425774216652, 0.010088268667459488, 0.0089279068633914,
    0.007737988606095314, 0.006320538464933634, 0.004322281572967768, 0.0010767088970169425, -0.004703078418970108,
  ];
  assert.deepEqual(Array.from(referenceSeriesCoefficients(20, 7, 100)), expected);
  // K = 1: the published loop never runs, so the damping factor is never applied
  assert.deepEqual(Array.from(referenceSeriesCoefficients(1, 0.7, 100)), [1]);
});

test('invalid arguments are rejected with a reason', () => {
  assert.throws(() => dampedSeriesCoefficients(5, -0.1), /damping ratio/);
  assert.throws(() => dampedSeriesCoefficients(5, NaN), /damping ratio/);
  assert.throws(() => dampedSeriesCoefficients(1.5, 0), /integer/);
  assert.throws(() => referenceSeriesCoefficients(5, 1, 0), /V must be/);
  assert.throws(() => referenceSeriesCoefficients(5, -1, 1), /damping must be/);
});
