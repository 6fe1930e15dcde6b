import { DENSE_KERNEL_WASM } from './dense-kernel-wasm.js';
import { selectDenseNative, type DenseNativeTier } from './dense-native.js';

/**
 * The dense-chain kernel (dense-kernel.wat): matrix products and elementwise passes in WebAssembly
 * SIMD over one linear memory. Pointers are byte offsets (0 = none), strides count floats, widths
 * are multiples of 4.
 */
export interface DenseKernelExports {
  memory: WebAssembly.Memory;
  /** C[m x n] = bias + A[m x k] B[k x n] */
  gemm_nn(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, k: number, n: number, bias: number): void;
  /** C[m x n] = A^T B, A [k x m], B [k x n] */
  gemm_tn(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, k: number, n: number): void;
  transpose(src: number, lds: number, dst: number, ldd: number, rows: number, cols: number): void;
  /** dst[i][j] = src[i][j], i < rows, j < cols (any cols) */
  copy2d(src: number, lds: number, dst: number, ldd: number, rows: number, cols: number): void;
  colsum(a: number, lda: number, rows: number, n: number, out: number): void;
  add_row(c: number, ldc: number, rows: number, n: number, v: number): void;
  mul(a: number, b: number, out: number, n: number): void;
  add(a: number, b: number, out: number, n: number): void;
  mul_add_mul(a: number, b: number, c: number, d: number, out: number, n: number): void;
  /** kind 0 relu, 1 tanh, 2 sigmoid; d1/d2 0 for the values alone */
  activation(kind: number, z: number, y: number, d1: number, d2: number, n: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Buffer.from(DENSE_KERNEL_WASM, 'base64');
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** whether the dense-chain kernel can run here (WebAssembly with SIMD) */
export function denseKernelAvailable(): boolean {
  return compile() !== null;
}

let native: DenseNativeTier | null | undefined;

/** the native tier new workspaces use (SFN_DENSE_NATIVE, read once), or null for WebAssembly alone */
export function denseNativeTier(): DenseNativeTier | null {
  if (native === undefined) native = selectDenseNative();
  return native;
}

/**
 * Chooses the matrix products of workspaces made from now on (`auto`, `off` or a tier, as
 * SFN_DENSE_NATIVE) and drops the pooled ones; for tests and benchmarks that compare the two.
 */
export function useDenseNative(choice: string): DenseNativeTier | null {
  native = selectDenseNative(choice);
  pool.length = 0;
  return native;
}

/** the WebAssembly exports with gemm_nn and gemm_tn computed natively over the same memory */
function withNativeGemm(wasm: DenseKernelExports, { tier, addon }: DenseNativeTier): DenseKernelExports {
  const memory = wasm.memory;
  return {
    ...wasm,
    memory,
    gemm_nn: (a, lda, b, ldb, c, ldc, m, k, n, bias) => addon.gemm(tier, false, memory.buffer, a, lda, b, ldb, c, ldc, m, k, n, bias),
    gemm_tn: (a, lda, b, ldb, c, ldc, m, k, n) => addon.gemm(tier, true, memory.buffer, a, lda, b, ldb, c, ldc, m, k, n, 0),
  };
}

const PAGE = 65536;
/** the first bytes stay unused, so that offset 0 can mean "no array" */
const FIRST = 64;

/**
 * One instance of the kernel with its own memory, and a bump allocator over it. The engine takes one
 * per Objective (or evaluation set) from a small pool and gives it back, reset, when done: no
 * allocation bookkeeping per pass, and memory pages are reused from step to step.
 */
export class KernelWorkspace {
  readonly k: DenseKernelExports;
  private top = FIRST;
  private view: Float32Array;

  constructor() {
    const module = compile();
    if (module === null) throw new Error('the dense-chain kernel needs WebAssembly SIMD, which this runtime lacks');
    const wasm = new WebAssembly.Instance(module).exports as unknown as DenseKernelExports;
    const tier = denseNativeTier();
    this.k = tier === null ? wasm : withNativeGemm(wasm, tier);
    this.view = new Float32Array(this.k.memory.buffer);
  }

  /** room for `floats` floats, 16-byte aligned; returns its byte offset (contents undefined) */
  alloc(floats: number): number {
    const at = this.top;
    this.top = at + ((floats * 4 + 15) & ~15);
    const have = this.k.memory.buffer.byteLength;
    if (this.top > have) this.k.memory.grow(Math.ceil((this.top - have) / PAGE));
    return at;
  }

  /** the memory as floats (a fresh view after the memory grew) */
  get f32(): Float32Array {
    if (this.view.buffer !== this.k.memory.buffer) this.view = new Float32Array(this.k.memory.buffer);
    return this.view;
  }

  /** `count` floats at byte offset `at`, as a view (valid until the next alloc) */
  floats(at: number, count: number): Float32Array {
    return this.f32.subarray(at >> 2, (at >> 2) + count);
  }

  /** a mark to return to: everything allocated after it is released by `release(mark)` */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  reset(): void {
    this.top = FIRST;
  }

  get bytes(): number {
    return this.k.memory.buffer.byteLength;
  }
}

const pool: KernelWorkspace[] = [];
/** idle workspaces kept for reuse (an Objective, the point evaluations of its step, evaluation) */
const POOL_SIZE = 4;
/** a workspace grown beyond this is dropped rather than pooled, so that one large pass does not pin its memory */
const POOL_MAX_BYTES = 256 * 1024 * 1024;

export function acquireWorkspace(): KernelWorkspace {
  return pool.pop() ?? new KernelWorkspace();
}

export function releaseWorkspace(w: KernelWorkspace): void {
  w.reset();
  if (pool.length < POOL_SIZE && w.bytes <= POOL_MAX_BYTES) pool.push(w);
}
