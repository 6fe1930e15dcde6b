import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RANK_TWO_KERNEL_WASM } from '../../src/linalg/rank-two-kernel-wasm.js';
import { jsKernel, rankTwoKernel } from '../../src/linalg/rank-two-kernel.js';
import { assembleRankTwoKernel, RANK_TWO_KERNEL_SOURCE } from '../../scripts/wasm-assemble.js';
import { Rng } from '../../src/util/random.js';

test('the committed WebAssembly is the assembly of rank-two-kernel.wat (else run npm run build:wasm)', async () => {
  const bytes = await assembleRankTwoKernel(readFileSync(RANK_TWO_KERNEL_SOURCE, 'utf8'));
  assert.equal(Buffer.from(bytes).toString('base64'), RANK_TWO_KERNEL_WASM);
});

test('the WebAssembly SIMD and JS kernels compute the same fused update and product', () => {
  // odd and even row lengths (the SIMD loop's single-column tail), the first row (no columns left of the diagonal)
  for (const [n, s] of [[1, 0], [2, 0], [7, 0], [7, 3], [8, 5], [33, 1], [64, 10]]) {
    const length = n * n + 4 * n;
    const rng = new Rng(n * 100 + s);
    const init = Float64Array.from({ length }, () => rng.normal());
    const [A, V, Q, W, P] = [0, n * n, n * n + n, n * n + 2 * n, n * n + 3 * n];
    const results = [jsKernel(), rankTwoKernel(length, 'wasm-simd')].map((kernel) => {
      const mem = kernel.workspace(length);
      mem.set(init);
      kernel.fused(n, s, A, V, Q, W, P);
      return Float64Array.from(kernel.workspace(length).subarray(0, length));
    });
    for (let i = 0; i < length; i++) {
      const [js, wasm] = [results[0][i], results[1][i]];
      assert.ok(Math.abs(js - wasm) <= 1e-13 * (1 + Math.abs(js)), `n ${n}, s ${s}, entry ${i}: js ${js}, wasm ${wasm}`);
    }
    // and the JS kernel does what it says: rows/columns s..n-1 of the lower triangle, p += A' w
    const want = Float64Array.from(init);
    for (let i = s; i < n; i++) for (let j = s; j <= i; j++) want[A + i * n + j] -= init[V + i] * init[Q + j] + init[Q + i] * init[V + j];
    for (let i = s; i < n; i++) {
      for (let j = s; j < n; j++) {
        const aij = i >= j ? want[A + i * n + j] : want[A + j * n + i];
        want[P + i] += aij * init[W + j];
      }
    }
    for (let i = 0; i < length; i++) assert.ok(Math.abs(results[0][i] - want[i]) <= 1e-13 * (1 + Math.abs(want[i])), `n ${n}, s ${s}, entry ${i}`);
  }
});
