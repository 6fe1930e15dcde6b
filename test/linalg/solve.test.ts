import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solve2x2 } from '../../src/linalg/solve2x2.js';
import { solveLinearSystem } from '../../src/linalg/linear-solve.js';

const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) <= tol * (1 + Math.abs(b));

test('solve2x2: regular systems, including badly scaled ones', () => {
  const r = solve2x2(2, 1, 1, 3, 3, 5); // x = (0.8, 1.4)
  assert.equal(r.rank, 2);
  assert.ok(close(r.x[0], 0.8) && close(r.x[1], 1.4));
  const tiny = solve2x2(2e-200, 1e-200, 1e-200, 3e-200, 3, 5);
  assert.ok(close(tiny.x[0], 0.8e200) && close(tiny.x[1], 1.4e200));
  const huge = solve2x2(2e200, 1e200, 1e200, 3e200, 3e200, 5e200);
  assert.ok(close(huge.x[0], 0.8) && close(huge.x[1], 1.4));
  const permuted = solve2x2(0, 1, 1, 0, 7, 9);
  assert.deepEqual(permuted.x, [9, 7]);
});

test('solve2x2: no previous step (second row and column zero) gives momentum 0', () => {
  // the adaptive lr/momentum system [[d'Cd, 0], [0, 0]] [lr, mu] = [-g'd, 0]
  const r = solve2x2(4, 0, 0, 0, 2, 0);
  assert.equal(r.rank, 1);
  assert.ok(close(r.x[0], 0.5));
  assert.equal(r.x[1], 0);
});

test('solve2x2: singular systems give the minimum-norm least-squares solution', () => {
  // A = [[1, 2], [2, 4]] = rank 1; b in the range: A x = b has a line of solutions, pick the shortest
  const r = solve2x2(1, 2, 2, 4, 1, 2);
  assert.equal(r.rank, 1);
  // minimum norm solution of x1 + 2 x2 = 1 is (1, 2) / 5
  assert.ok(close(r.x[0], 0.2) && close(r.x[1], 0.4));
  // b not in the range: least squares
  const ls = solve2x2(1, 2, 2, 4, 1, 0);
  // A^T A x = A^T b with minimum norm: x = A^+ b = (1,2)(1*1 + 2*0)/25
  assert.ok(close(ls.x[0], 1 / 25) && close(ls.x[1], 2 / 25));
  // nearly singular counts as singular
  const near = solve2x2(1, 1, 1, 1 + 1e-15, 2, 2);
  assert.equal(near.rank, 1);
  assert.ok(close(near.x[0], 1, 1e-9) && close(near.x[1], 1, 1e-9));
  const zero = solve2x2(0, 0, 0, 0, 1, 1);
  assert.deepEqual(zero, { x: [0, 0], rank: 0, reciprocalCondition: 0 });
});

test('solve2x2 rejects non-finite input', () => {
  assert.throws(() => solve2x2(1, 0, 0, 1, NaN, 0), /b1/);
  assert.throws(() => solve2x2(Infinity, 0, 0, 1, 0, 0), /a11/);
});

test('solveLinearSystem: pivoting, singular detection, input untouched', () => {
  const a = Float64Array.from([0, 1, 1, 1, 0, 1, 1, 1, 0]);
  const b = Float64Array.from([2, 3, 4]); // x = (2.5, 1.5, 0.5)
  const x = solveLinearSystem(a, b, 3) as Float64Array;
  assert.ok(close(x[0], 2.5) && close(x[1], 1.5) && close(x[2], 0.5));
  assert.deepEqual(Array.from(a), [0, 1, 1, 1, 0, 1, 1, 1, 0]);
  assert.equal(solveLinearSystem([1, 2, 2, 4], [1, 2], 2), null);
  assert.equal(solveLinearSystem([1, NaN, 0, 1], [1, 2], 2), null);
  assert.deepEqual(Array.from(solveLinearSystem([], [], 0) as Float64Array), []);
  assert.throws(() => solveLinearSystem([1, 2, 3], [1, 2], 2), /n\*n/);
});
