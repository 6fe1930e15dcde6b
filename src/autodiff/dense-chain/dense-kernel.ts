import { DENSE_KERNEL_WASM } from './dense-kernel-wasm.js';

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
    this.k = new WebAssembly.Instance(module).exports as unknown as DenseKernelExports;
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
