/** WAT -> wasm with the `wabt` devDependency; shared by scripts/build-wasm.ts and its test. */
import wabtFactory from 'wabt';

export const RANK_TWO_KERNEL_SOURCE = new URL('../src/linalg/rank-two-kernel.wat', import.meta.url);
export const RANK_TWO_KERNEL_MODULE = new URL('../src/linalg/rank-two-kernel-wasm.ts', import.meta.url);

export async function assembleRankTwoKernel(source: string): Promise<Uint8Array> {
  const wabt = await wabtFactory();
  const module = wabt.parseWat('rank-two-kernel.wat', source, { simd: true });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}
