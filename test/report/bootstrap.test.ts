import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapMedian, bootstrapMedianCurve, CURVE_BAND } from '../../src/report/bootstrap.js';
import { meanAndSd, median, quantileSorted } from '../../src/report/median.js';
import { Rng } from '../../src/util/random.js';

test('median: odd, even (mean of the middle pair), unsorted input, empty', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10]), 10);
  assert.ok(Number.isNaN(median([])));
  assert.equal(median([1, Infinity, 2]), 2);
});

test('meanAndSd divides by n (population standard deviation)', () => {
  const { mean, sd } = meanAndSd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.equal(sd, Math.sqrt(1.25));
});

test('bootstrapMedian equals a straightforward loop over the same random draws', () => {
  const values = [0.31, 0.12, 0.77, 0.45, 0.05, 0.62, 0.29];
  const R = 100;
  const got = bootstrapMedian(values, R, new Rng(42));
  // independent computation: same Rng sequence, resample by resample, index by index
  const rng = new Rng(42);
  const medians: number[] = [];
  for (let b = 0; b < R; b++) {
    const draw: number[] = [];
    for (let i = 0; i < values.length; i++) draw.push(values[Math.floor(rng.uniform() * values.length)]);
    draw.sort((p, q) => p - q);
    medians.push(draw[(draw.length - 1) / 2]); // n = 7: the middle one
  }
  const mean = medians.reduce((a, m) => a + m, 0) / R;
  const sd = Math.sqrt(medians.reduce((a, m) => a + (m - mean) ** 2, 0) / R);
  assert.equal(got.estimate, mean);
  assert.equal(got.error, sd);
  assert.equal(got.median, 0.31);
  assert.equal(got.n, 7);
});

test('bootstrapMedian converges to the exact bootstrap distribution (enumerated by hand)', () => {
  // values {0, 1, 5}: of the 27 equally likely ordered resamples, the median is 0 in 7, 1 in 13
  // and 5 in 7 (a value is the median when it is drawn at least twice, or once with one smaller
  // and one larger: 0 -> 1 + 3*2 = 7, 5 -> 7, 1 -> 27 - 14 = 13).
  const exactMean = (0 * 7 + 1 * 13 + 5 * 7) / 27; // 48/27
  const exactVar = (0 * 7 + 1 * 13 + 25 * 7) / 27 - exactMean ** 2;
  const R = 40_000;
  const got = bootstrapMedian([0, 1, 5], R, new Rng(7));
  const standardError = Math.sqrt(exactVar / R);
  assert.ok(Math.abs(got.estimate - exactMean) < 4 * standardError, `${got.estimate} vs ${exactMean}`);
  assert.ok(Math.abs(got.error - Math.sqrt(exactVar)) < 0.02, `${got.error} vs ${Math.sqrt(exactVar)}`);
});

test('bootstrapMedian: constant data and a single run are exact; no runs gives NaN', () => {
  assert.deepEqual(bootstrapMedian([0.25, 0.25, 0.25], 100, new Rng(1)), { estimate: 0.25, error: 0, median: 0.25, n: 3 });
  assert.deepEqual(bootstrapMedian([3], 10, new Rng(1)), { estimate: 3, error: 0, median: 3, n: 1 });
  const none = bootstrapMedian([], 10, new Rng(1));
  assert.ok(Number.isNaN(none.estimate) && Number.isNaN(none.error) && none.n === 0);
  assert.throws(() => bootstrapMedian([1], 0, new Rng(1)), /resamples must be a positive integer/);
  assert.throws(() => bootstrapMedian([1], 2.5, new Rng(1)), /resamples must be a positive integer/);
});

test('bootstrapMedianCurve resamples whole runs: each point matches bootstrapMedian of its column', () => {
  const curves = [Float64Array.of(5, 4, 3), Float64Array.of(6, 2, 1), Float64Array.of(9, 8, 0.5), Float64Array.of(1, 1, 1)];
  const { estimate, error } = bootstrapMedianCurve(curves, 50, new Rng(3));
  for (let g = 0; g < 3; g++) {
    const column = curves.map((c) => c[g]);
    const single = bootstrapMedian(column, 50, new Rng(3)); // same seed: same draws in the same order
    assert.equal(estimate[g], single.estimate);
    assert.equal(error[g], single.error);
  }
  assert.throws(() => bootstrapMedianCurve([Float64Array.of(1), Float64Array.of(1, 2)], 5, new Rng(0)), /different lengths/);
});

test('quantiles interpolate between order statistics as numpy does', () => {
  const sorted = [1, 2, 4, 8];
  assert.equal(quantileSorted(sorted, 0), 1);
  assert.equal(quantileSorted(sorted, 1), 8);
  assert.equal(quantileSorted(sorted, 0.5), 3);
  assert.ok(Math.abs(quantileSorted(sorted, 0.16) - 1.48) < 1e-12); // h = 0.48
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test('bootstrapMedianCurve: ended runs (NaN) leave the median; the band is the percentile interval of the resampled medians, positive', () => {
  // heavy-tailed positive losses: median ± sd reaches below zero, the percentile band does not
  const curves = [Float64Array.of(0.01, 0.01), Float64Array.of(0.02, NaN), Float64Array.of(9, 3)];
  const R = 200;
  const got = bootstrapMedianCurve(curves, R, new Rng(7));
  // independent computation over the same draws: whole runs, then the median of those with a value
  const rng = new Rng(7);
  const draws = Array.from({ length: R * 3 }, () => Math.floor(rng.uniform() * 3));
  for (let g = 0; g < 2; g++) {
    const medians: number[] = [];
    for (let b = 0; b < R; b++) {
      const vals = draws.slice(b * 3, b * 3 + 3).map((r) => curves[r][g]).filter((v) => !Number.isNaN(v));
      if (vals.length) medians.push(median(vals));
    }
    const { mean, sd } = meanAndSd(medians);
    const sorted = [...medians].sort((p, q) => p - q);
    assert.equal(got.estimate[g], mean);
    assert.equal(got.error[g], sd);
    assert.equal(got.lower[g], quantileSorted(sorted, CURVE_BAND.lower));
    assert.equal(got.upper[g], quantileSorted(sorted, CURVE_BAND.upper));
    assert.ok(got.lower[g] > 0 && got.lower[g] <= got.upper[g], `band [${got.lower[g]}, ${got.upper[g]}] at ${g}`);
    assert.ok(got.lower[g] >= 0.01 && got.upper[g] <= 9, 'within the runs\' values');
  }
  assert.ok(got.estimate[0] - got.error[0] < 0, 'the case the percentile band is for');
  const none = bootstrapMedianCurve([Float64Array.of(1, NaN)], 5, new Rng(0));
  assert.ok(Number.isNaN(none.estimate[1]) && Number.isNaN(none.lower[1]), 'no run left: no value');
});
