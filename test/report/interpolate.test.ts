import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonGrid, interpolateOnto, logSpaced } from '../../src/report/interpolate.js';
import { medianCurve } from '../../src/report/curves.js';
import { bootstrapMedianCurve } from '../../src/report/bootstrap.js';
import { toSeries } from '../../src/report/run-series.js';
import { Rng } from '../../src/util/random.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);

test('interpolateOnto: linear between points, exact at points, NaN outside, hold after the end', () => {
  const xs = [1, 2, 4];
  const ys = [10, 20, 0];
  const got = interpolateOnto(xs, ys, [0.5, 1, 1.5, 2, 3, 4, 5]);
  assert.ok(Number.isNaN(got[0]));
  assert.deepEqual([...got.slice(1, 6)], [10, 15, 20, 10, 0]);
  assert.ok(Number.isNaN(got[6]));
  const held = interpolateOnto(xs, ys, [3.5, 4, 100], true);
  assert.deepEqual([...held], [5, 0, 0]);
  // repeated x (a coarse clock): the later value counts
  assert.deepEqual([...interpolateOnto([1, 2, 2, 3], [0, 5, 7, 9], [2, 2.5])], [7, 8]);
  assert.throws(() => interpolateOnto(xs, ys, [2, 1]), /increasing/);
  assert.throws(() => interpolateOnto([1, 2], [1], [1]), /2 xs but 1 ys/);
});

test('logSpaced: endpoints exact, constant ratio', () => {
  const g = logSpaced(0.01, 100, 5);
  assert.equal(g[0], 0.01);
  assert.equal(g[4], 100);
  for (let i = 1; i < 5; i++) close(g[i] / g[i - 1], 10, 1e-12);
  assert.deepEqual([...logSpaced(3, 3, 10)], [3]);
  assert.throws(() => logSpaced(0, 1, 3), /0 < lo <= hi/);
});

test('commonGrid: from the latest start to the end of the longest run', () => {
  const a = [0, 1, 2, 3, 4];
  const b = [0.5, 1.5, 2.5, 3.5];
  const late = [2, 2.2];
  // few recorded points: the recorded xs themselves, from the latest first positive x to the latest end
  assert.deepEqual([...commonGrid([a, b], 100)], [1, 1.5, 2, 2.5, 3, 3.5, 4]);
  assert.deepEqual([...commonGrid([a, b, late], 100)], [2, 2.2, 2.5, 3, 3.5, 4]);
  // many points: log-spaced over the same range
  const many = Array.from({ length: 1000 }, (_, i) => i);
  const g = commonGrid([many, [1, 2]], 50);
  assert.equal(g.length, 50);
  assert.equal(g[0], 1);
  assert.equal(g[49], 999);
  close(g[1] / g[0], g[49] / g[48], 1e-9);
  // runs that do not overlap: still one grid, over the later one
  assert.deepEqual([...commonGrid([[1, 2], [5, 6]], 10)], [5, 6]);
  assert.equal(commonGrid([[0, 0]], 10).length, 0, 'no positive x');
  assert.equal(commonGrid([], 10).length, 0);
});

test('medianCurve on a time grid: runs interpolated at common times, evaluation time in or out', () => {
  // three runs recorded at different times; loss linear in time within each run
  const run = (id: number, times: number[], compute: number[], values: number[], status: 'completed' | 'diverged' = 'completed') =>
    toSeries(
      { id, status },
      times.map((t, i) => ({ step: i, epoch: 0, wallTime: t, wallTimeExclEval: compute[i], value: values[i] })),
    );
  const series = [
    run(1, [1, 3, 5], [0.5, 1.5, 2.5], [8, 6, 4]),
    run(2, [2, 4, 6], [1, 2, 3], [9, 5, 1]),
    run(3, [1, 2, 4, 8], [0.5, 1, 2, 4], [7, 7, 3, 3]),
  ];
  const c = medianCurve(series, 'wall', { points: 50, resamples: 1, rng: new Rng(0) });
  // grid: from the latest start (2) to the end of the longest run (8), at the recorded times in between
  assert.deepEqual([...c.x], [2, 3, 4, 5, 6, 8]);
  // hand-interpolated values at t = 2, 3, 4, 5, 6, 8: run 1: 7, 6, 5, 4, -, -; run 2: 9, 7, 5, 3, 1, -;
  // run 3: 7, 5, 3, 3, 3, 3 (NaN where a run has ended: the median is over the runs still going)
  const byHand = [Float64Array.of(7, 6, 5, 4, NaN, NaN), Float64Array.of(9, 7, 5, 3, 1, NaN), Float64Array.of(7, 5, 3, 3, 3, 3)];
  const many = medianCurve(series, 'wall', { points: 50, resamples: 200, rng: new Rng(1) });
  const expected = bootstrapMedianCurve(byHand, 200, new Rng(1));
  assert.deepEqual([...many.estimate], [...expected.estimate]);
  assert.deepEqual([...many.error], [...expected.error]);
  assert.deepEqual([...many.lower], [...expected.lower]);
  assert.deepEqual([...many.upper], [...expected.upper]);
  assert.equal(many.estimate[5], 3, 'only run 3 is left at t = 8');
  assert.deepEqual([...c.ends], [5, 6], 'where runs 1 and 2 end');
  assert.equal(c.runs, 3);
  // evaluation excluded: a different clock, a different grid
  const comp = medianCurve(series, 'compute', { points: 50, resamples: 1, rng: new Rng(0) });
  assert.deepEqual([...comp.x], [1, 1.5, 2, 2.5, 3, 4]);
  // a diverged run holds its last finite value (NaN points dropped) and does not end the grid early
  const withDiverged = [
    run(1, [1, 2, 3, 4], [1, 2, 3, 4], [4, 3, 2, 1]),
    run(2, [1, 2, 3], [1, 2, 3], [5, 4, NaN], 'diverged'),
  ];
  const d = medianCurve(withDiverged, 'step', { points: 50, resamples: 3, rng: new Rng(2) });
  // steps 0..3, step 0 is not on a log axis; run 2 holds 4 from step 1 on
  assert.deepEqual([...d.x], [1, 2, 3]);
  const dExpected = bootstrapMedianCurve([Float64Array.of(3, 2, 1), Float64Array.of(4, 4, 4)], 3, new Rng(2));
  assert.deepEqual([...d.estimate], [...dExpected.estimate]);
  const identical = medianCurve([series[0], series[0]], 'wall', { points: 50, resamples: 20, rng: new Rng(5) });
  assert.deepEqual([...identical.x], [1, 3, 5]);
  assert.deepEqual([...identical.estimate], [8, 6, 4]);
  assert.deepEqual([...identical.error], [0, 0, 0]);
  assert.deepEqual([...identical.lower], [8, 6, 4]);
  assert.deepEqual([...identical.ends], [], 'both end with the curve');
});
