import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRADIENT_BACKENDS, derivativeErrors } from './helpers/check.js';
import { ELEMENTWISE_CASES } from './helpers/elementwise-cases.js';
import { useBackend } from './helpers/webgpu.js';

// float32 tape against float64 analytic references (relative errors): measured 3e-8..3e-7 on
// cpu and wasm, up to 9e-7 on webgpu (llvmpipe's tanh); the stock gradients these replace are
// off by O(1) (unpatched-defaults.test.ts).
const GRAD_TOL = 1e-5;
const HVP_TOL = 1e-5;
const REFERENCE_TOL = 1e-6;

for (const backend of GRADIENT_BACKENDS) {
  for (const c of ELEMENTWISE_CASES) {
    test(`${backend}: ${c.name} gradient and Hessian-vector product match float64`, async (t) => {
      if (!(await useBackend(backend, t))) return;
      const e = await derivativeErrors(c);
      assert.ok(e.reference < REFERENCE_TOL, `float64 reference gradient off by ${e.reference}`);
      assert.ok(e.grad < GRAD_TOL, `gradient relative error ${e.grad}`);
      assert.ok(e.hvp < HVP_TOL, `HVP relative error ${e.hvp}`);
    });
  }
}
