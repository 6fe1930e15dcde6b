import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Float32LbfgsSpace, Float64LbfgsSpace } from '../../../src/optim/lbfgs/space.js';

/** The reference mode's float32 host arithmetic: each result rounded as float32 operations round. */
const space = new Float32LbfgsSpace();
const f32 = (...v: number[]) => Float32Array.from(v);

test('elementwise results are the correctly rounded float32 results', () => {
  const a = f32(1, 3e-8, -2.5);
  const b = f32(1e-8, 1, 0.1);
  assert.deepEqual(Array.from(space.add(a, b)), [1, Math.fround(1 + Math.fround(3e-8)), Math.fround(-2.5 + Math.fround(0.1))]);
  assert.deepEqual(Array.from(space.sub(a, b)), [Math.fround(1 - Math.fround(1e-8)), Math.fround(Math.fround(3e-8) - 1), Math.fround(-2.5 - Math.fround(0.1))]);
  // 1 + 1e-8 is 1 in float32: an update below the iterate's resolution changes nothing
  assert.equal(space.add(f32(1), f32(1e-8))[0], 1);
  assert.deepEqual(Array.from(space.scale(f32(3), 0.1)), [Math.fround(Math.fround(0.1) * 3)]);
});

test('axpy rounds the product before the sum (x + t p as two float32 operations, like JAX)', () => {
  const alpha = 1 / 3;
  const x = f32(Math.fround(1 / 7));
  const y = f32(1);
  const twoOps = Math.fround(Math.fround(Math.fround(alpha) * x[0]) + 1);
  assert.equal(space.axpy(alpha, x, y)[0], twoOps);
  // and the scalar alpha itself is a float32 (JAX's trial step t is cast to the dtype)
  assert.equal(space.scale(f32(1), 0.1)[0], Math.fround(0.1));
});

test('dot, norm and maxAbs: accumulated in float64, returned as float32 numbers; NaN is seen', () => {
  const a = f32(0.1, 0.2, 0.3);
  const exact = a.reduce((s, v) => s + v * v, 0);
  assert.equal(space.dot(a, a), Math.fround(exact));
  assert.equal(space.norm(f32(3, 4)), 5);
  assert.equal(space.maxAbs(f32(-7, 2)), 7);
  // a NaN anywhere, even before larger entries, makes the infinity norm NaN (so it never passes a tolerance)
  assert.ok(Number.isNaN(space.maxAbs(f32(1, NaN, 2))));
  assert.ok(Number.isNaN(new Float64LbfgsSpace().maxAbs(Float64Array.of(1, NaN, 2))));
  assert.throws(() => space.dot(f32(1), f32(1, 2)), /vector lengths differ: 1 vs 2/);
});

test('linearCombination is the float32 sum of float32 products', () => {
  const r = space.linearCombination([2, 0.5], [f32(1, 2), f32(4, 8)]);
  assert.deepEqual(Array.from(r), [4, 8]);
  assert.throws(() => space.linearCombination([], []), /at least one/);
});
