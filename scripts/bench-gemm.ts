/**
 * `node --import tsx scripts/bench-gemm.ts`: the dense-chain kernel's matrix products at the MLPs'
 * shapes, WebAssembly SIMD against every native tier this CPU runs (native/dense-gemm.cc): median
 * milliseconds of back-to-back calls and GFLOP/s, and whether each tier wrote the WebAssembly bits.
 * For choosing which tiers `SFN_DENSE_NATIVE=auto` takes; `npm run bench` times whole passes.
 */
import { KernelWorkspace, useDenseNative } from '../src/autodiff/dense-chain/dense-kernel.js';
import { denseNativeAddon } from '../src/autodiff/dense-chain/dense-native.js';
import { Rng } from '../src/util/random.js';

const addon = denseNativeAddon();
if (addon === null) throw new Error('the native kernel is not built: npm run build:native');
useDenseNative('off');
const ws = new KernelWorkspace();
const rng = new Rng(1);

/** median ms of `rounds` blocks of `reps` calls */
function time(run: () => void, reps = 20, rounds = 9): number {
  for (let i = 0; i < reps; i++) run();
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) run();
    ms.push((performance.now() - t) / reps);
  }
  return ms.sort((a, b) => a - b)[rounds >> 1];
}

// [what, transposeA, m, k, n]: Fashion's forward and weight gradient at batch 400 and its 5,000-row
// evaluation chunk pair, UCI's forward at 588 rows
const shapes: [string, boolean, number, number, number][] = [
  ['Fashion forward, batch 400', false, 400, 784, 52],
  ['Fashion weight gradient, batch 400', true, 784, 400, 52],
  ['Fashion forward, 5000 rows', false, 5000, 784, 52],
  ['UCI forward, 588 rows', false, 588, 8, 52],
];
for (const [what, tn, m, k, n] of shapes) {
  ws.reset();
  const fill = (count: number) => {
    const at = ws.alloc(count);
    for (let i = 0; i < count; i++) ws.f32[(at >> 2) + i] = rng.normal();
    return at;
  };
  const a = fill(m * k), b = fill(k * n), cw = ws.alloc(m * n), cn = ws.alloc(m * n);
  const lda = tn ? m : k;
  const wasm = time(() => (tn ? ws.k.gemm_tn(a, lda, b, n, cw, n, m, k, n) : ws.k.gemm_nn(a, lda, b, n, cw, n, m, k, n, 0)));
  const gflops = (ms: number) => ((2 * m * k * n) / ms / 1e6).toFixed(1);
  const parts = [`wasm ${wasm.toFixed(3)} ms (${gflops(wasm)} GFLOP/s)`];
  addon.tiers().forEach((name, tier) => {
    if (name === null) return;
    const ms = time(() => addon.gemm(tier, tn, ws.k.memory.buffer, a, lda, b, n, cn, n, m, k, n, 0));
    const same = ws.floats(cw, m * n).every((x, i) => Object.is(x, ws.floats(cn, m * n)[i]));
    parts.push(`${name} ${ms.toFixed(3)} ms (${gflops(ms)} GFLOP/s, ${(wasm / ms).toFixed(2)}x${same ? '' : ', DIFFERENT BITS'})`);
  });
  console.log(`${what} [${m} x ${k}] x [${k} x ${n}]${tn ? ' (A transposed)' : ''}\n  ${parts.join('\n  ')}`);
}
