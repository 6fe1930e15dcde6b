import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHvpProblem } from '../../src/check/problem.js';
import { evaluateReference, hvpByFiniteDifference } from '../../src/reference/index.js';
import { relativeError } from '../../src/check/vectors.js';

/**
 * The reference's exact forward-over-reverse H v on the full ResNet-18 (11M parameters, ImageNet
 * stem, 32x32x3, batch 2) against central differences of its own float64 gradient, along a random
 * direction in all parameters. The nearest relu kink is ~1e-8 away along the direction, and batch
 * norm over two samples per channel makes the loss strongly curved, so the step is ~1e-8: fine in
 * float64 (rounding ~1e-16 / 1e-8), impossible in float32. This is what lets the engine's
 * ResNet-18 test compare against the exact product.
 */
test('reference ResNet-18: exact H v equals central differences of the float64 gradient', (t) => {
  const p = makeHvpProblem('resnet18', 61, { batchSize: 2 });
  const v = p.directions[0];
  const exact = evaluateReference(p.def, p.params, p.batch, v).hvp;
  const fd = hvpByFiniteDifference(p.def, p.params, p.batch, v);
  const err = relativeError(exact, fd.value);
  t.diagnostic(`relative error ${err.toExponential(2)}, step ${fd.h.toExponential(2)}, nearest kink ${fd.kinkMargin.toExponential(2)}`);
  assert.ok(fd.h < fd.kinkMargin / 2, 'the step crosses a kink');
  assert.ok(err < 1e-6, `relative error ${err}`);
});
