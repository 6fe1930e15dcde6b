import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diagonal, frobeniusNorm, fromData, fromRows, identity, isSymmetric, matmul, matvec, maxAbsDifference, symmetrize, toRows, transpose, zeros,
} from '../../src/linalg/matrix.js';

test('construction, transpose, products', () => {
  const a = fromRows([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(toRows(transpose(a)), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(toRows(matmul(a, transpose(a))), [[14, 32], [32, 77]]);
  assert.deepEqual(Array.from(matvec(a, [1, 0, -1])), [-2, -2]);
  assert.deepEqual(toRows(matmul(identity(2), a)), toRows(a));
  assert.deepEqual(toRows(diagonal([1, 2])), [[1, 0], [0, 2]]);
  assert.throws(() => matmul(a, a), /cannot multiply/);
  assert.throws(() => matvec(a, [1, 2]), /cannot multiply/);
  assert.throws(() => fromRows([[1, 2], [3]]), /row 1/);
  assert.throws(() => fromData(2, 2, new Float64Array(3)), /4 entries/);
  assert.throws(() => zeros(-1, 2), /non-negative/);
});

test('symmetry helpers and norms', () => {
  const a = fromRows([[1, 2], [4, 3]]);
  assert.equal(isSymmetric(a), false);
  const s = symmetrize(a);
  assert.equal(isSymmetric(s), true);
  assert.deepEqual(toRows(s), [[1, 3], [3, 3]]);
  assert.ok(isSymmetric(a, 2));
  assert.equal(frobeniusNorm(fromRows([[3, 4]])), 5);
  assert.equal(maxAbsDifference(a, s), 1);
});
