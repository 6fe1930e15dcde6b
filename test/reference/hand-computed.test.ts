import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp, type ModelDef } from '../../src/models/zoo.js';
import type { ModelSpec } from '../../src/models/spec.js';
import { evaluateReference, referenceHvp } from '../../src/reference/index.js';
import { maxPoolForward } from '../../src/reference/nonlinear-layers.js';
import { windowGeometry } from '../../src/reference/kernels.js';

/** Small cases worked out by hand, so that the reference is anchored to the maths, not to itself. */

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-12): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} != ${expected[i]}`);
  }
}

// 2 -> 2 relu -> 1, 0.5 * squared error. Flat layout: dense0/w [2,2], dense0/b [2], dense1/w [2,1], dense1/b [1]
const tinyMlp: ModelDef = { spec: mlp({ name: 'tiny', input: 2, hidden: [2], output: 1, activation: 'relu' }), loss: 'mse' };
const tinyParams = [1, -1, 2, 0.5, 0.1, -0.2, 3, -1, 0.5];

test('relu MLP: loss, gradient and H v by hand', () => {
  // z = [1*1 + 2*2 + 0.1, 1*(-1) + 2*0.5 - 0.2] = [5.1, -0.2], h = [5.1, 0], y = 15.3 + 0.5 = 15.8, r = 14.8
  const batch = { batchSize: 1, x: [1, 2], targets: [1], mask: [1] };
  const e = evaluateReference(tinyMlp, tinyParams, batch);
  close([e.loss], [0.5 * 14.8 * 14.8]);
  // dz = r * W1 = [44.4, -14.8] masked by relu' = [44.4, 0]
  close(e.grad, [44.4, 0, 88.8, 0, 44.4, 0, 14.8 * 5.1, 0, 14.8]);
  // direction = dense1/w[0]: dr = h0 = 5.1; d(dz0) = 5.1 * 3 + 14.8 = 30.1
  const v = [0, 0, 0, 0, 0, 0, 1, 0, 0];
  close(referenceHvp(tinyMlp, tinyParams, batch, v), [30.1, 0, 60.2, 0, 30.1, 0, 5.1 * 5.1, 0, 5.1]);
});

test('masked rows do not count and the average divides by the sum of the mask', () => {
  const one = evaluateReference(tinyMlp, tinyParams, { batchSize: 1, x: [1, 2], targets: [1], mask: [1] });
  const padded = evaluateReference(tinyMlp, tinyParams, { batchSize: 3, x: [1, 2, 7, -3, 1, 2], targets: [1, 9, 1], mask: [1, 0, 1] });
  close([padded.loss], [one.loss]);
  close(padded.grad, Array.from(one.grad));
});

test('softmax cross-entropy by hand', () => {
  // dense 2 -> 3 with W = 0 and b = [0, ln 2, 0]: p = [1/4, 1/2, 1/4], label 0
  const def: ModelDef = { spec: mlp({ name: 'lin', input: 2, hidden: [], output: 3, activation: 'relu' }), loss: 'ce' };
  const params = [0, 0, 0, 0, 0, 0, 0, Math.LN2, 0];
  const batch = { batchSize: 1, x: [1, -2], targets: [0], mask: [1] };
  const e = evaluateReference(def, params, batch);
  close([e.loss], [Math.log(4)]);
  const gb = [-0.75, 0.5, 0.25];
  close(e.grad, [...gb, ...gb.map((g) => -2 * g), ...gb]);
  // H_bb = diag(p) - p p^T; its column for b0 is [3/16, -1/8, -1/16]; the W rows are x_i times it
  const col = [3 / 16, -1 / 8, -1 / 16];
  const v = [0, 0, 0, 0, 0, 0, 1, 0, 0];
  close(referenceHvp(def, params, batch, v), [...col, ...col.map((c) => -2 * c), ...col]);
});

test('batch norm uses batch statistics with the biased variance and eps 1e-5', () => {
  const spec: ModelSpec = {
    name: 'bn', inputShape: [1], outputSize: 1,
    params: [
      { name: 'bn/scale', shape: [1], init: { kind: 'ones' } },
      { name: 'bn/offset', shape: [1], init: { kind: 'zeros' } },
    ],
    nodes: [{ op: 'input' }, { op: 'batchnorm', input: 0, scale: 'bn/scale', offset: 'bn/offset', state: 'bn' }],
  };
  // x = [1, 3]: mean 2, variance 1, xhat = [-1, 1] / sqrt(1 + 1e-5); y = 2 xhat + 0.5, targets 0
  const e = evaluateReference({ spec, loss: 'mse' }, [2, 0.5], { batchSize: 2, x: [1, 3], targets: [0, 0], mask: [1, 1] });
  const s = 1 + 1e-5;
  close([e.loss], [0.125 + 2 / s]);
  // dL/dscale = sum_i (y_i / 2) xhat_i = 2 / s; dL/doffset = sum_i y_i / 2 = 0.5
  close(e.grad, [2 / s, 0.5]);
});

test("conv2d 'same' pads after when the total padding is odd (TensorFlow's rule)", () => {
  // 3x3x1 image 1..9, 2x2 stride-2 'same' conv: out 2x2, padding 0 before and 1 after
  const spec: ModelSpec = {
    name: 'conv', inputShape: [3, 3, 1], outputSize: 1,
    params: [{ name: 'c/w', shape: [2, 2, 1, 1], init: { kind: 'ones' } }],
    nodes: [{ op: 'input' }, { op: 'conv2d', input: 0, filter: 'c/w', stride: 2, padding: 'same' }, { op: 'globalavgpool', input: 1 }],
  };
  const e = evaluateReference({ spec, loss: 'mse' }, [1, 1, 1, 1], { batchSize: 1, x: [1, 2, 3, 4, 5, 6, 7, 8, 9], targets: [0], mask: [1] });
  // outputs: 1+2+4+5, 3+6, 7+8, 9 -> mean 45 / 4
  const y = 45 / 4;
  close([e.loss], [0.5 * y * y]);
  // dy/dw[ky,kx] = mean over outputs of the tapped pixel: (1+3+7+9)/4, (2+8)/4, (4+6)/4, 5/4
  close(e.grad, [5, 2.5, 2.5, 1.25].map((d) => y * d));
});

test("max-pool 3x3 stride 2 'same' ignores padding and routes the gradient to the window's max", () => {
  const spec: ModelSpec = {
    name: 'pool', inputShape: [3, 3, 1], outputSize: 1,
    params: [{ name: 'd/w', shape: [4, 1], init: { kind: 'ones' } }],
    nodes: [
      { op: 'input' },
      { op: 'maxpool', input: 0, size: 3, stride: 2, padding: 'same' },
      { op: 'flatten', input: 1 },
      { op: 'dense', input: 2, weight: 'd/w' },
    ],
  };
  // windows (padding 1 before, 1 after): {1,5,7,3} -> 7, {5,2,3,9} -> 9, {7,3,4,8} -> 8, {3,9,8,6} -> 9
  const x = [1, 5, 2, 7, 3, 9, 4, 8, 6];
  const e = evaluateReference({ spec, loss: 'mse' }, [1, 2, 3, 4], { batchSize: 1, x, targets: [0], mask: [1] });
  const y = 7 + 18 + 24 + 36;
  close([e.loss], [0.5 * y * y]);
  close(e.grad, [7, 9, 8, 9].map((p) => y * p));
});

test('max-pool ties: the first maximum wins and a tie that tangents would break has margin 0', () => {
  const g = windowGeometry([1, 1, 2, 1], 1, 2, 2, 'valid');
  const tied = maxPoolForward({ shape: [1, 1, 2, 1], v: Float64Array.of(3, 3), d: Float64Array.of(0, 1) }, g);
  assert.equal(tied.argmax[0], 0);
  assert.equal(tied.margin, 0);
  const apart = maxPoolForward({ shape: [1, 1, 2, 1], v: Float64Array.of(1, 3), d: Float64Array.of(0, 0.5) }, g);
  assert.equal(apart.argmax[0], 1);
  close([apart.margin], [4]);
  // equal values with equal tangents (relu zeros) cannot be separated: no constraint
  const zeros = maxPoolForward({ shape: [1, 1, 2, 1], v: Float64Array.of(0, 0), d: Float64Array.of(0, 0) }, g);
  assert.equal(zeros.margin, Infinity);
});

test('relu kink margin is |z| / |dz| along the direction', () => {
  // first-layer pre-activations z = [5.1, -0.2]; direction on dense0/b = [1, 1]: margin min(5.1, 0.2)
  const batch = { batchSize: 1, x: [1, 2], targets: [1], mask: [1] };
  const e = evaluateReference(tinyMlp, tinyParams, batch, [0, 0, 0, 0, 1, 1, 0, 0, 0]);
  close([e.kinkMargin], [0.2]);
});

test('bad inputs give clear errors', () => {
  const batch = { batchSize: 1, x: [1, 2], targets: [1], mask: [1] };
  assert.throws(() => evaluateReference(tinyMlp, tinyParams.slice(1), batch), /params has length 8, expected 9/);
  assert.throws(() => evaluateReference(tinyMlp, [NaN, ...tinyParams.slice(1)], batch), /params\[0\] is NaN/);
  assert.throws(() => evaluateReference(tinyMlp, tinyParams, batch, [1, 2]), /direction has length 2, expected 9/);
  assert.throws(() => evaluateReference(tinyMlp, tinyParams, { ...batch, mask: [0] }), /mask selects no rows/);
});
