import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { modelObjective } from '../../src/autodiff/model-objective.js';
import { KernelWorkspace, useDenseNative } from '../../src/autodiff/dense-chain/dense-kernel.js';
import { DENSE_NATIVE_PATH, denseNativeAddon, selectDenseNative, type DenseNativeAddon } from '../../src/autodiff/dense-chain/dense-native.js';
import { disposeBatch, toEngineBatch } from '../../src/check/engine.js';
import { makeProblemFor } from '../../src/check/problem.js';
import { modelByName } from '../../src/models/zoo.js';
import { Rng } from '../../src/util/random.js';

/**
 * The optional native matrix products (native/dense-gemm.cc): every instruction-set tier this CPU has
 * against plain float32 loops in the kernel's order and against the WebAssembly kernel, to the last
 * bit; its bounds checks; SFN_DENSE_NATIVE; and whole dense-chain passes with and without it.
 * Where the addon was not built (no compiler at install) these tests say so and skip, unless
 * SFN_REQUIRE_NATIVE=1 (CI), where a missing addon fails.
 */

const built = existsSync(DENSE_NATIVE_PATH);
const skip = built ? false : `the native kernel is not built here (${DENSE_NATIVE_PATH}); run npm run build:native`;
const f = Math.fround;

test('the native kernel is built and loads (required where SFN_REQUIRE_NATIVE=1)', { skip: process.env.SFN_REQUIRE_NATIVE === '1' ? false : skip }, () => {
  assert.ok(built, `${DENSE_NATIVE_PATH} is missing: npm install did not build it`);
  const addon = denseNativeAddon();
  assert.ok(addon, 'the addon loads');
  assert.equal(addon.tiers()[0], 'portable', 'the portable tier runs on every CPU');
});

function tiersHere(): { tier: number; name: string }[] {
  return (denseNativeAddon()?.tiers() ?? []).flatMap((name, tier) => (name === null ? [] : [{ tier, name }]));
}

const random = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.normal());

test('every tier: gemm_nn and gemm_tn sum each product in order from zero or the bias, as plain float32 loops and the WebAssembly kernel do', { skip }, () => {
  const addon = denseNativeAddon()!;
  const rng = new Rng(11);
  try {
    assert.equal(useDenseNative('off'), null);
    gemmsAgainstLoopsAndWasm(addon, rng);
  } finally {
    useDenseNative('auto');
  }
});

function gemmsAgainstLoopsAndWasm(addon: DenseNativeAddon, rng: Rng): void {
  const ws = new KernelWorkspace();
  // rows with and without tails of each tier's row block; widths below, at and past one 16-lane vector
  // and one 64-column panel, odd widths (the addon takes any), strides wider than the matrix, k = 0
  const shapes = [[1, 1, 1], [3, 5, 7], [4, 7, 12], [7, 12, 16], [13, 3, 20], [6, 16, 33], [9, 9, 52], [5, 6, 64], [11, 4, 68], [25, 30, 100], [2, 0, 8]];
  for (const { tier, name } of tiersHere()) {
    for (const [m, k, n] of shapes) {
      for (const pad of [0, 3]) {
        ws.reset();
        const lda = k + pad, ldb = n + pad, ldc = n + pad, ldt = m + pad;
        const A = random(rng, Math.max(1, m * lda)), At = random(rng, Math.max(1, k * ldt)), B = random(rng, Math.max(1, k * ldb)), bias = random(rng, n);
        const at = (v: Float32Array) => { const p = ws.alloc(v.length); ws.f32.set(v, p >> 2); return p; };
        const pa = at(A), pat = at(At), pb = at(B), pbias = at(bias);
        const pc = ws.alloc(m * ldc), pw = ws.alloc(m * ldc);
        for (const withBias of [false, true]) {
          addon.gemm(tier, false, ws.k.memory.buffer, pa, lda, pb, ldb, pc, ldc, m, k, n, withBias ? pbias : 0);
          addon.gemm(tier, true, ws.k.memory.buffer, pat, ldt, pb, ldb, pw, ldc, m, k, n, 0);
          const c = ws.floats(pc, m * ldc), ct = ws.floats(pw, m * ldc);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let acc = withBias ? bias[j] : 0, acct = 0;
              for (let p = 0; p < k; p++) {
                acc = f(acc + f(A[i * lda + p] * B[p * ldb + j]));
                acct = f(acct + f(At[p * ldt + i] * B[p * ldb + j]));
              }
              assert.equal(c[i * ldc + j], acc, `${name} gemm_nn ${m}x${k}x${n} pad ${pad} bias ${withBias} at ${i},${j}`);
              assert.equal(ct[i * ldc + j], acct, `${name} gemm_tn ${m}x${k}x${n} pad ${pad} at ${i},${j}`);
            }
          }
          if (n % 4 === 0 && k > 0) {
            // the WebAssembly kernel (widths in multiples of 4) writes the same bits
            const wc = ws.alloc(m * ldc);
            ws.k.gemm_nn(pa, lda, pb, ldb, wc, ldc, m, k, n, withBias ? pbias : 0);
            for (let i = 0; i < m; i++) {
              assert.deepEqual(ws.floats(wc + i * ldc * 4, n), ws.floats(pc + i * ldc * 4, n), `${name} vs wasm gemm_nn ${m}x${k}x${n} row ${i}`);
            }
          }
        }
      }
    }
  }
}

test('the native products refuse matrices outside the kernel memory, unknown tiers and bad arguments', { skip }, () => {
  const addon = denseNativeAddon()!;
  const ws = new KernelWorkspace();
  const pa = ws.alloc(16), pb = ws.alloc(16), pc = ws.alloc(16);
  const mem = ws.k.memory.buffer;
  const end = mem.byteLength;
  assert.throws(() => addon.gemm(0, false, mem, end - 8, 4, pb, 4, pc, 4, 4, 4, 4, 0), /outside the kernel's memory/);
  assert.throws(() => addon.gemm(0, false, mem, pa, 4, pb, 4, end, 4, 1, 4, 4, 0), /outside the kernel's memory/);
  assert.throws(() => addon.gemm(0, true, mem, pa, 4, pb, 4, pc, 4, 4, 4, 4, end), /outside the kernel's memory/);
  assert.throws(() => addon.gemm(0, false, mem, pa + 2, 4, pb, 4, pc, 4, 4, 4, 4, 0), /outside the kernel's memory/, 'misaligned');
  assert.throws(() => addon.gemm(0, false, mem, pa, 2, pb, 4, pc, 4, 4, 4, 4, 0), /outside the kernel's memory/, 'stride below width');
  assert.throws(() => addon.gemm(99, false, mem, pa, 4, pb, 4, pc, 4, 4, 4, 4, 0), /no such instruction-set tier/);
  assert.throws(() => addon.gemm(0, false, mem, -16, 4, pb, 4, pc, 4, 4, 4, 4, 0), /integers >= 0/);
  assert.throws(() => (addon.gemm as (...a: unknown[]) => void)(0, false, mem), /13 arguments/);
  assert.throws(() => addon.gemm(0, false, new Float32Array(4) as unknown as ArrayBuffer, 0, 4, 0, 4, 0, 4, 1, 1, 1, 0), /ArrayBuffer/);
});

test('SFN_DENSE_NATIVE: auto takes AVX-512 or AVX2 where the CPU has them, off and forced tiers, and a clear error otherwise', () => {
  assert.throws(() => selectDenseNative('fast'), /SFN_DENSE_NATIVE: got 'fast'; allowed: auto, off, avx512, avx2, sse2, portable/);
  assert.equal(selectDenseNative('off'), null);
  const names = tiersHere().map((t) => t.name);
  const auto = selectDenseNative('auto');
  const expected = ['avx512', 'avx2'].find((t) => names.includes(t));
  assert.equal(auto?.name, expected, `auto on a CPU with ${names.join(', ') || 'no addon'}`);
  if (!built) {
    assert.throws(() => selectDenseNative('portable'), /SFN_DENSE_NATIVE=portable: the native kernel is not built \(.* is missing\); run `npm run build:native`/);
    return;
  }
  assert.equal(selectDenseNative('portable')?.name, 'portable');
  for (const t of ['avx512', 'avx2']) {
    if (names.includes(t)) assert.equal(selectDenseNative(t)?.name, t);
    else assert.throws(() => selectDenseNative(t), /this CPU lacks it; available here/);
  }
});

/** loss, gradient, H v, a batch of H v and a point evaluation of the dense-chain engine */
function densePasses(model: string, seed: number, rows: number) {
  const def = modelByName(model);
  const p = makeProblemFor(def, seed, { batchSize: rows, maskedRows: [1, rows - 2], directions: 4 });
  const batch = toEngineBatch(def, p.batch);
  return tf.tidy(() => {
    const params = tf.tensor1d(p.params);
    const o = modelObjective(def, params, batch, { engine: 'dense-kernel' });
    try {
      const vs = tf.tensor2d(p.directions.slice(0, 3).flatMap((d) => Array.from(d)), [3, params.size]);
      const at = o.at(tf.add(params, tf.mul(1e-2, tf.tensor1d(p.directions[3]))) as tf.Tensor1D);
      return [o.loss(), o.grad(), o.hvp(tf.tensor1d(p.directions[0])), o.hvpBatch(vs), at.loss, at.grad].map((t) => t.dataSync() as Float32Array);
    } finally {
      o.dispose();
      disposeBatch(batch);
    }
  });
}

test('wasm: whole dense-chain passes (Fashion MLP, UCI tanh) give the same bits with the native products as without', { skip }, async () => {
  await initBackend('wasm', { tapeGradients: false });
  try {
    for (const [model, rows] of [['fmnist-mlp', 150], ['uci-mlp-tanh', 61]] as const) {
      useDenseNative('off');
      const wasm = densePasses(model, 4, rows);
      for (const { name } of tiersHere()) {
        useDenseNative(name);
        const native = densePasses(model, 4, rows);
        native.forEach((values, i) => assert.deepEqual(values, wasm[i], `${model} ${name}: output ${i}`));
      }
    }
  } finally {
    useDenseNative('auto');
  }
});
