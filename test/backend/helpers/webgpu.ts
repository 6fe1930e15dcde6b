import type { TestContext } from 'node:test';
import { BackendError, initBackend } from '../../../src/backend/index.js';

/**
 * The webgpu tests run wherever an adapter can be had: a GPU, or Mesa's llvmpipe on the CPU
 * (Dawn's OpenGL ES backend; packages libegl1 libegl-mesa0 libgles2), which they allow with
 * SFN_WEBGPU_ALLOW_SOFTWARE=1. Elsewhere they skip with one line saying why, unless
 * SFN_REQUIRE_WEBGPU=1 (set by CI) makes that a failure.
 */
export const WEBGPU_REQUIRED = process.env.SFN_REQUIRE_WEBGPU === '1';

let unavailable: Promise<string | undefined> | undefined;

/** Makes webgpu the backend; false (test skipped, reason given) where it cannot be had. */
export async function useWebGpu(t: TestContext): Promise<boolean> {
  process.env.SFN_WEBGPU_ALLOW_SOFTWARE = '1';
  unavailable ??= initBackend('webgpu', { tapeGradients: true }).then(
    () => undefined,
    (e: unknown) => {
      if (!(e instanceof BackendError) || WEBGPU_REQUIRED) throw e;
      return e.message.split('. ')[0]; // what is missing; the rest of the message says how to get it
    },
  );
  const reason = await unavailable;
  if (reason === undefined) {
    await initBackend('webgpu');
    return true;
  }
  t.skip(`no webgpu here: ${reason} (SFN_REQUIRE_WEBGPU=1 makes this a failure)`);
  return false;
}

/** initBackend(name), or for webgpu useWebGpu(t): false when the test was skipped. */
export async function useBackend(name: string, t: TestContext): Promise<boolean> {
  if (name === 'webgpu') return useWebGpu(t);
  await initBackend(name);
  return true;
}
