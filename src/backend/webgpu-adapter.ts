/**
 * Which WebGPU adapter sfn computes on, and how it is described. Kept free of Dawn so that the
 * rules can be tested on any machine.
 */

/** What sfn records about the adapter (printed on the backend line, stored with JSON results). */
export interface WebGpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** a CPU rasteriser (Mesa llvmpipe or lavapipe, SwiftShader, WARP) or a declared fallback adapter */
  software: boolean;
  /** Dawn's backend driving it: the platform's own API (Vulkan, Metal, D3D12) or OpenGL ES */
  via: 'native' | 'opengles';
}

/** The fields of a GPUAdapterInfo that sfn reads (older Dawn builds put isFallbackAdapter on the adapter). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** Names of the software rasterisers Dawn can find; they report isFallbackAdapter: false on Linux. */
const SOFTWARE_RASTERISERS = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

export function describeAdapter(
  info: AdapterInfoLike,
  via: WebGpuAdapterDescription['via'],
  declaredFallback = false,
): WebGpuAdapterDescription {
  const d = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const software =
    declaredFallback || info.isFallbackAdapter === true || SOFTWARE_RASTERISERS.test(`${d.device} ${d.description}`);
  return { ...d, software, via };
}

/** True when SFN_WEBGPU_ALLOW_SOFTWARE asks for a software adapter to be accepted (tests, CI). */
export function softwareAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.SFN_WEBGPU_ALLOW_SOFTWARE?.trim().toLowerCase();
  return raw === '1' || raw === 'true' || raw === 'yes';
}

/**
 * One phrase for the backend line, e.g. "hardware adapter: NVIDIA H100 (vendor nvidia, architecture
 * hopper)" or "SOFTWARE adapter (CPU), for testing only: llvmpipe ... through OpenGL ES".
 */
export function formatAdapter(a: WebGpuAdapterDescription): string {
  const kind = a.software ? 'SOFTWARE adapter (CPU), for testing only' : 'hardware adapter';
  const name = a.device || a.description || 'unnamed';
  const details = [`vendor ${a.vendor || 'unknown'}`, `architecture ${a.architecture || 'unknown'}`];
  if (a.description && a.description !== name) details.push(a.description);
  const via = a.via === 'opengles' ? ", through Dawn's OpenGL ES backend in compatibility mode" : '';
  return `${kind}: ${name} (${details.join(', ')})${via}`;
}
