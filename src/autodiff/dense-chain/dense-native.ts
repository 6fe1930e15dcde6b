import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The optional native matrix products of the dense-chain kernel (native/dense-gemm.cc, built at
 * `npm install` by scripts/build-native.mjs). They compute gemm_nn and gemm_tn over the WebAssembly
 * kernel's memory in the kernel's own order with AVX2 or AVX-512 vectors, so results are bit-identical
 * and 1.5-2x faster where the CPU has them; without the addon (no compiler at install, another CPU) the
 * WebAssembly kernel does all the work. SFN_DENSE_NATIVE chooses: `auto` (default: the widest tier that
 * is faster than WebAssembly, else none), `off`, or a tier name to force one.
 */
export interface DenseNativeAddon {
  /** the kernel's gemm_nn (transposeA false) or gemm_tn (true), offsets in bytes into `memory` */
  gemm(tier: number, transposeA: boolean, memory: ArrayBuffer, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, m: number, k: number, n: number, bias: number): void;
  /** tier names by number, null where this CPU lacks the instructions */
  tiers(): (string | null)[];
}

/** the tiers worth using over WebAssembly SIMD (the narrower ones measure slower than it) */
const FASTER_THAN_WASM = ['avx512', 'avx2'];
export const DENSE_NATIVE_CHOICES = ['auto', 'off', 'avx512', 'avx2', 'sse2', 'portable'] as const;

/** where the build puts the addon: native/build/Release beside src/ and dist/ (both three levels up) */
export const DENSE_NATIVE_PATH = fileURLToPath(new URL('../../../native/build/Release/sfn_dense.node', import.meta.url));

let addon: DenseNativeAddon | null | undefined;
/** why the addon is null: not built, or built but refused by this Node (another Node version or platform) */
let unavailable = '';

/** the addon, or null when it was not built (or does not load here) */
export function denseNativeAddon(): DenseNativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (!existsSync(DENSE_NATIVE_PATH)) {
    unavailable = `the native kernel is not built (${DENSE_NATIVE_PATH} is missing); run \`npm run build:native\``;
    return addon;
  }
  try {
    addon = createRequire(import.meta.url)(DENSE_NATIVE_PATH) as DenseNativeAddon;
  } catch (e) {
    // `auto` goes on with the WebAssembly kernel; a forced tier says why it cannot
    unavailable = `the native kernel does not load (${e instanceof Error ? e.message : String(e)}); rebuild it with \`npm run build:native\``;
  }
  return addon;
}

export interface DenseNativeTier {
  tier: number;
  name: string;
  addon: DenseNativeAddon;
}

/** the tier SFN_DENSE_NATIVE (or `choice`) selects, or null for the WebAssembly kernel alone */
export function selectDenseNative(choice = process.env.SFN_DENSE_NATIVE ?? 'auto'): DenseNativeTier | null {
  if (!(DENSE_NATIVE_CHOICES as readonly string[]).includes(choice))
    throw new Error(`SFN_DENSE_NATIVE: got '${choice}'; allowed: ${DENSE_NATIVE_CHOICES.join(', ')}`);
  if (choice === 'off') return null;
  const found = denseNativeAddon();
  const names = found?.tiers() ?? [];
  const wanted = choice === 'auto' ? FASTER_THAN_WASM.find((t) => names.includes(t)) : choice;
  if (wanted === undefined || found === null) {
    if (choice === 'auto') return null;
    throw new Error(`SFN_DENSE_NATIVE=${choice}: ${unavailable} or unset SFN_DENSE_NATIVE`);
  }
  const tier = names.indexOf(wanted);
  if (tier < 0) {
    throw new Error(`SFN_DENSE_NATIVE=${choice}: this CPU lacks it; available here: ${names.filter((n) => n !== null).join(', ')}`);
  }
  return { tier, name: wanted, addon: found };
}
