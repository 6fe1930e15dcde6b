import { NATIVE_PACKAGES, notInstalledError } from './backend-names.js';

/** Name under which both tfjs-node packages register their backend with TensorFlow.js. */
export const NATIVE_TFJS_BACKEND = 'tensorflow';

const loaded = new Map<string, Promise<void>>();

/**
 * Loads @tensorflow/tfjs-node(-gpu) on demand. They are optional: never dependencies of sfn,
 * so the specifier is a runtime string that neither TypeScript nor a bundler tries to resolve.
 */
export function loadNativeBackend(name: 'tensorflow' | 'tensorflow-gpu'): Promise<void> {
  let pending = loaded.get(name);
  if (pending === undefined) {
    const specifier: string = NATIVE_PACKAGES[name];
    pending = import(specifier).then(
      () => undefined,
      (cause: unknown) => {
        loaded.delete(name);
        throw notInstalledError(name, cause);
      },
    );
    loaded.set(name, pending);
  }
  return pending;
}
