/** WAT -> wasm with the `wabt` devDependency; shared by scripts/build-wasm.ts and the tests that check the committed bytes. */
import wabtFactory from 'wabt';

export const RANK_TWO_KERNEL_SOURCE = new URL('../src/linalg/rank-two-kernel.wat', import.meta.url);
export const RANK_TWO_KERNEL_MODULE = new URL('../src/linalg/rank-two-kernel-wasm.ts', import.meta.url);
export const DENSE_KERNEL_SOURCE = new URL('../src/autodiff/dense-chain/dense-kernel.wat', import.meta.url);
export const DENSE_KERNEL_MODULE = new URL('../src/autodiff/dense-chain/dense-kernel-wasm.ts', import.meta.url);

/** Every WebAssembly module of sfn: its source, the generated TypeScript module and the constant it exports. */
export const WASM_KERNELS = [
  { source: RANK_TWO_KERNEL_SOURCE, module: RANK_TWO_KERNEL_MODULE, constant: 'RANK_TWO_KERNEL_WASM' },
  { source: DENSE_KERNEL_SOURCE, module: DENSE_KERNEL_MODULE, constant: 'DENSE_KERNEL_WASM' },
] as const;

export async function assembleWat(source: string, name = 'module.wat'): Promise<Uint8Array> {
  const wabt = await wabtFactory();
  const module = wabt.parseWat(name, source, { simd: true });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

export async function assembleRankTwoKernel(source: string): Promise<Uint8Array> {
  return assembleWat(source, 'rank-two-kernel.wat');
}
