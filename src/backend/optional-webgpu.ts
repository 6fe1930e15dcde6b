import * as tf from '@tensorflow/tfjs-core';
import { BackendError, WEBGPU_INSTALL, WEBGPU_PACKAGES } from './backend-names.js';
import { type AdapterInfoLike, describeAdapter, softwareAllowed, type WebGpuAdapterDescription } from './webgpu-adapter.js';

/**
 * TensorFlow.js's WebGPU backend on Dawn's Node bindings (npm `webgpu`). Both packages are
 * optional and installed by the user (see WEBGPU_PACKAGES), so they are imported by runtime
 * strings. What this works around, measured with webgpu 0.6.2 and tfjs-backend-webgpu 4.22:
 *  - the backend registers itself only if `navigator.gpu` exists when it is imported, so the
 *    globals are set first and the package is imported afterwards;
 *  - it asks `navigator.gpu.requestAdapter` for an adapter with options of its own, which cannot
 *    reach Mesa's llvmpipe (that needs Dawn's OpenGL ES backend and `featureLevel:
 *    'compatibility'`), so navigator.gpu hands it the adapter chosen here;
 *  - llvmpipe reports isFallbackAdapter: false; describeAdapter() recognises it by name;
 *  - dataSync()/arraySync() throw in Node (tfjs reads synchronously through OffscreenCanvas):
 *    code that runs on this backend reads with `await tensor.data()`.
 */

interface GpuAdapter {
  readonly info?: AdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(options: string[]): Gpu;
  globals: Record<string, unknown>;
}

const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';

let loaded: Promise<WebGpuAdapterDescription> | undefined;

/**
 * Loads Dawn and TensorFlow.js's WebGPU backend and makes 'webgpu' the active backend, on the
 * first hardware adapter; on a software one only when SFN_WEBGPU_ALLOW_SOFTWARE=1. Once per
 * process (the adapter cannot change afterwards). Throws BackendError naming what to install.
 */
export async function initWebGpuBackend(): Promise<WebGpuAdapterDescription> {
  loaded ??= load().catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  const adapter = await loaded;
  if (!(await tf.setBackend('webgpu'))) {
    // tfjs then still names 'webgpu' as its backend: never go on with it
    throw new BackendError(`Backend 'webgpu' found an adapter but failed to initialise (see the messages above).`);
  }
  explainSynchronousReads(tf.backend() as unknown as SyncReader);
  return adapter;
}

interface SyncReader {
  readSync(dataId: object): unknown;
  hasReadSyncWarned?: boolean;
}

const explained = new WeakSet<SyncReader>();

/**
 * tfjs's synchronous read (dataSync, arraySync, bufferSync, and kernels that read their inputs)
 * works for values still on the host but otherwise fails with "OffscreenCanvas is not defined":
 * replace that with an error that says what to change.
 */
function explainSynchronousReads(backend: SyncReader): void {
  if (explained.has(backend)) return;
  explained.add(backend);
  const readSync = backend.readSync.bind(backend);
  backend.hasReadSyncWarned = true; // its advice ("use asynchronous APIs") is in the error below
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (cause) {
      if (!(cause instanceof ReferenceError) || !/OffscreenCanvas/.test(cause.message)) throw cause;
      throw new Error(
        `A synchronous read of a tensor (dataSync, arraySync or a kernel that reads its inputs) cannot run on the ` +
          `webgpu backend in Node: this code path must read with \`await tensor.data()\`. Use --backend wasm or cpu meanwhile.`,
        { cause },
      );
    }
  };
}

async function load(): Promise<WebGpuAdapterDescription> {
  const dawn = (await importOptional('webgpu')) as DawnModule;
  const chosen = await chooseAdapter(dawn);
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu: Gpu = { requestAdapter: () => Promise.resolve(chosen.adapter) };
  const nav = ((globalThis as { navigator?: object }).navigator ??= {});
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  await importOptional(TFJS_WEBGPU);
  if (tf.findBackendFactory('webgpu') === null) {
    throw new BackendError(`${TFJS_WEBGPU} was loaded but did not register the 'webgpu' backend (was it imported before sfn?).`);
  }
  return chosen.description;
}

async function importOptional(pkg: keyof typeof WEBGPU_PACKAGES): Promise<unknown> {
  const specifier: string = pkg;
  try {
    return await import(specifier);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new BackendError(
      `Backend 'webgpu' needs the optional package ${pkg}, which could not be loaded (${reason}). ` +
        `Install both with \`${WEBGPU_INSTALL}\`, or choose another backend (wasm, cpu).`,
    );
  }
}

/**
 * A hardware adapter through the platform's own API (Vulkan on Linux); else, if allowed, a
 * software one: lavapipe through Vulkan where Mesa is new enough, else llvmpipe through Dawn's
 * OpenGL ES backend (EGL without a display).
 */
async function chooseAdapter(dawn: DawnModule): Promise<{ adapter: GpuAdapter; description: WebGpuAdapterDescription }> {
  const native = await keep(dawn.create([])).requestAdapter({ powerPreference: 'high-performance' });
  const nativeDescription = native && describeAdapter(native.info ?? {}, 'native', native.isFallbackAdapter);
  if (native && nativeDescription && !nativeDescription.software) return { adapter: native, description: nativeDescription };
  const allowed = softwareAllowed();
  if (allowed && native && nativeDescription) return { adapter: native, description: nativeDescription };
  let gles: GpuAdapter | null = null;
  if (allowed) {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    gles = await keep(dawn.create(['backend=opengles'])).requestAdapter({ featureLevel: 'compatibility' });
  }
  if (gles) return { adapter: gles, description: describeAdapter(gles.info ?? {}, 'opengles', gles.isFallbackAdapter) };
  throw noAdapterError(nativeDescription, allowed);
}

/**
 * Every Dawn instance made stays referenced: one collected by the garbage collector while another
 * computes was seen to abort the process (glibc's __pthread_tpp_change_priority assertion).
 */
const instances: Gpu[] = [];
function keep(gpu: Gpu): Gpu {
  instances.push(gpu);
  return gpu;
}

function noAdapterError(software: WebGpuAdapterDescription | null, allowed: boolean): BackendError {
  const found = software
    ? `only a software adapter (${software.device || software.description}), which sfn uses only when asked`
    : 'no adapter';
  const hardware =
    'For a GPU, install its Vulkan driver and loader (Debian/Ubuntu: libvulkan1 and the vendor driver, e.g. ' +
    'nvidia-driver or mesa-vulkan-drivers; check with `vulkaninfo --summary`).';
  const soft = allowed
    ? 'Software rendering was allowed but Mesa\'s EGL/GLES were not usable: `apt-get install -y libegl1 libegl-mesa0 libgles2`.'
    : 'To test on the CPU instead (slow), set SFN_WEBGPU_ALLOW_SOFTWARE=1 (with Mesa: `apt-get install -y libegl1 libegl-mesa0 libgles2`).';
  return new BackendError(`Backend 'webgpu': Dawn found ${found}. ${hardware} ${soft} Or choose another backend (wasm, cpu).`);
}
