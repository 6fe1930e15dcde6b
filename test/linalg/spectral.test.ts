import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricSpectrum } from '../../src/linalg/spectral.js';
import { applyFunction, jacobiEigen } from '../optim/jacobi.js';
import { symmetricWithSpectrum } from '../optim/ours-fixtures.js';

const flat = (rows: number[][]) => Float64Array.from(rows.flat());

test('symmetricSpectrum: ascending eigenvalues and f(A) x against a Jacobi eigendecomposition', () => {
  const spectrum = [3, -2, 1e-4, 0, -5e-5, 0.5, 0.5];
  const a = symmetricWithSpectrum(spectrum, 5);
  const s = symmetricSpectrum(flat(a), 7);
  assert.equal(s.n, 7);
  const sorted = [...spectrum].sort((x, y) => x - y);
  s.values.forEach((v, i) => assert.ok(Math.abs(v - sorted[i]) < 1e-14, `eigenvalue ${i}: ${v} vs ${sorted[i]}`));
  const reference = jacobiEigen(a);
  const x = [0.3, -1, 2, 0.5, -0.25, 1, 0.1];
  for (const f of [(l: number) => l, Math.abs, (l: number) => 1 / (Math.abs(l) + 0.1)]) {
    const got = s.apply(f, Float64Array.from(x));
    const want = applyFunction(reference, f, x);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12 * (1 + Math.abs(want[i])), `entry ${i}: ${v} vs ${want[i]}`));
  }
  // the input is read, not changed
  assert.deepEqual(flat(a), flat(symmetricWithSpectrum(spectrum, 5)));
});

test('symmetricSpectrum: n = 1 and n = 0; a wrong size or a non-finite entry is refused', () => {
  const one = symmetricSpectrum(Float64Array.of(-3), 1);
  assert.deepEqual(Array.from(one.values), [-3]);
  assert.deepEqual(Array.from(one.apply(Math.abs, Float64Array.of(2))), [6]);
  assert.equal(symmetricSpectrum(new Float64Array(0), 0).values.length, 0);
  assert.throws(() => symmetricSpectrum(new Float64Array(5), 2), /a 2 x 2 matrix needs 4 entries, got 5/);
  assert.throws(() => symmetricSpectrum(Float64Array.of(1, NaN, NaN, 1), 2), /must be finite/);
});
