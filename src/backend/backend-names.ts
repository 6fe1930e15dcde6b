/** The backends sfn can run on, and how a user's choice (argument or SFN_BACKEND) is validated. */
export const BACKEND_NAMES = ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const DEFAULT_BACKEND: BackendName = 'wasm';

/** npm packages that provide the optional native backends (never dependencies of sfn). */
export const NATIVE_PACKAGES: Record<'tensorflow' | 'tensorflow-gpu', string> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

/**
 * The npm packages the webgpu backend needs, with the versions it was tested with: Dawn's Node
 * bindings (a prebuilt dawn.node for each platform, 51 MB download, 138 MB unpacked) and
 * TensorFlow.js's WebGPU backend (same version as tfjs-core). Installed by the user, not by sfn.
 */
export const WEBGPU_PACKAGES = { webgpu: '0.6.2', '@tensorflow/tfjs-backend-webgpu': '4.22.0' } as const;

/** The command that installs the webgpu backend's packages. */
export const WEBGPU_INSTALL = `npm install ${Object.entries(WEBGPU_PACKAGES)
  .map(([pkg, version]) => `${pkg}@${version}`)
  .join(' ')}`;

/** The one error every bad backend choice produces: it names the problem and the fix. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/** Picks the backend: explicit argument, else env SFN_BACKEND, else wasm. Throws BackendError. */
export function resolveBackendName(
  requested: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BackendName {
  const fromArg = requested?.trim();
  const fromEnv = env.SFN_BACKEND?.trim();
  const raw = fromArg || fromEnv || DEFAULT_BACKEND;
  const where = fromArg ? '--backend' : fromEnv ? 'SFN_BACKEND' : 'default';
  const name = raw.toLowerCase();
  if (!isBackendName(name)) {
    throw new BackendError(
      `Unknown backend '${raw}' (from ${where}). Valid backends: ${BACKEND_NAMES.join(', ')}. ` +
        `'tensorflow' needs \`npm install ${NATIVE_PACKAGES.tensorflow}\`, ` +
        `'tensorflow-gpu' needs \`npm install ${NATIVE_PACKAGES['tensorflow-gpu']}\`, ` +
        `'webgpu' needs \`${WEBGPU_INSTALL}\`.`,
    );
  }
  return name;
}

export function notInstalledError(name: 'tensorflow' | 'tensorflow-gpu', cause: unknown): BackendError {
  const pkg = NATIVE_PACKAGES[name];
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new BackendError(
    `Backend '${name}' needs the optional package ${pkg}, which could not be loaded (${reason}). ` +
      `Install it with \`npm install ${pkg}\`, or choose another backend: ${BACKEND_NAMES.join(', ')}.`,
  );
}
