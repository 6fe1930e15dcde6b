import { RANK_TWO_KERNEL_WASM } from './rank-two-kernel-wasm.js';

/**
 * The inner loop of the Householder tridiagonalisation (see rank-two-kernel.wat): for rows and
 * columns s..n-1 of the lower triangle of the n x n matrix at offset a of the workspace,
 * A -= v q^T + q v^T, then p += A w. Offsets count doubles from the start of the workspace.
 */
export interface RankTwoKernel {
  readonly name: 'wasm-simd' | 'js';
  /** a zero-based workspace of at least `length` doubles; valid until the next call */
  workspace(length: number): Float64Array;
  fused(n: number, s: number, a: number, v: number, q: number, w: number, p: number): void;
}

export type KernelChoice = 'auto' | 'wasm-simd' | 'js';

/** Plain JavaScript: the fallback where WebAssembly SIMD is unavailable, and the tests' yardstick. */
export function jsKernel(): RankTwoKernel {
  let mem = new Float64Array(0);
  return {
    name: 'js',
    workspace(length) {
      if (mem.length < length) mem = new Float64Array(length);
      return mem;
    },
    fused(n, s, a, v, q, w, p) {
      const m = mem;
      let i = s;
      // rows in pairs (as the WebAssembly kernel): each load of q, v, w and p serves two rows
      for (; i + 1 < n; i += 2) {
        const r0 = a + i * n;
        const r1 = r0 + n;
        const v0 = m[v + i];
        const q0 = m[q + i];
        const w0 = m[w + i];
        const v1 = m[v + i + 1];
        const q1 = m[q + i + 1];
        const w1 = m[w + i + 1];
        let acc0 = 0;
        let acc1 = 0;
        for (let j = s; j < i; j++) {
          const qj = m[q + j];
          const vj = m[v + j];
          const wj = m[w + j];
          const x0 = m[r0 + j] - (v0 * qj + q0 * vj);
          const x1 = m[r1 + j] - (v1 * qj + q1 * vj);
          m[r0 + j] = x0;
          m[r1 + j] = x1;
          acc0 += x0 * wj;
          acc1 += x1 * wj;
          m[p + j] += x0 * w0 + x1 * w1;
        }
        // row i+1's column i, then the two diagonals
        const y = m[r1 + i] - (v1 * q0 + q1 * v0);
        m[r1 + i] = y;
        acc1 += y * w0;
        const d0 = m[r0 + i] - 2 * (v0 * q0);
        m[r0 + i] = d0;
        m[p + i] += acc0 + d0 * w0 + y * w1;
        const d1 = m[r1 + i + 1] - 2 * (v1 * q1);
        m[r1 + i + 1] = d1;
        m[p + i + 1] += acc1 + d1 * w1;
      }
      if (i < n) {
        const row = a + i * n;
        const vi = m[v + i];
        const qi = m[q + i];
        const wi = m[w + i];
        let acc = 0;
        for (let j = s; j < i; j++) {
          const x = m[row + j] - (vi * m[q + j] + qi * m[v + j]);
          m[row + j] = x;
          acc += x * m[w + j];
          m[p + j] += x * wi;
        }
        const x = m[row + i] - 2 * (vi * qi);
        m[row + i] = x;
        m[p + i] += acc + x * wi;
      }
    },
  };
}

interface KernelExports {
  memory: WebAssembly.Memory;
  fused(n: number, s: number, a: number, v: number, q: number, w: number, p: number): void;
}

let wasmExports: KernelExports | null | undefined;

/** the compiled module's exports, or null where this runtime has no WebAssembly SIMD */
function loadWasm(): KernelExports | null {
  if (wasmExports !== undefined) return wasmExports;
  try {
    const bytes = Buffer.from(RANK_TWO_KERNEL_WASM, 'base64');
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) wasmExports = null;
    else wasmExports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as KernelExports;
  } catch {
    wasmExports = null;
  }
  return wasmExports;
}

/** whether the WebAssembly SIMD kernel can run here */
export function wasmSimdAvailable(): boolean {
  return loadWasm() !== null;
}

/**
 * WebAssembly SIMD (f64x2), one shared instance whose memory only grows; null where unavailable
 * or where the workspace does not fit in 32-bit WebAssembly memory (then use jsKernel()).
 */
function wasmKernel(length: number): RankTwoKernel | null {
  const ex = loadWasm();
  if (ex === null) return null;
  const bytes = length * 8;
  const have = ex.memory.buffer.byteLength;
  if (bytes > have) {
    try {
      ex.memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return null; // beyond what this runtime will give one WebAssembly memory
    }
  }
  return {
    name: 'wasm-simd',
    workspace: () => new Float64Array(ex.memory.buffer, 0, length),
    fused: (n, s, a, v, q, w, p) => ex.fused(n, s, a, v, q, w, p),
  };
}

/** the kernel for a workspace of `length` doubles: WebAssembly SIMD where possible ('auto') */
export function rankTwoKernel(length: number, choice: KernelChoice = 'auto'): RankTwoKernel {
  return chooseKernel(choice, choice === 'js' ? null : wasmKernel(length));
}

/** the choice given what is available (wasm: null where WebAssembly SIMD cannot run) */
export function chooseKernel(choice: KernelChoice, wasm: RankTwoKernel | null): RankTwoKernel {
  if (choice === 'js') return jsKernel();
  if (wasm !== null) return wasm;
  if (choice === 'wasm-simd') throw new Error('symmetricSpectrum: the WebAssembly SIMD kernel is not available in this runtime (or the matrix is too large for it); use the js kernel');
  return jsKernel();
}
