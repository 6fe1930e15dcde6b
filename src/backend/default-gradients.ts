import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * tfjs-core's stock gradient functions.
 *
 * The Node bundle of tfjs-core (dist/tf-core.node.js) contains no gradients: the union
 * package @tensorflow/tfjs registers them, and sfn depends on tfjs-core alone. The configs
 * exist as one ES module per kernel in dist/gradients/; they are loaded here one by one
 * (the aggregate register_all_gradients.js reaches dist/base.js, whose `./gradients` import is
 * ambiguous between a file and a folder and does not resolve). The modules import tfjs-core's
 * ESM sources, which share the engine and registries of the Node bundle through globalThis
 * (Tensor's instanceof is duck-typed for exactly this case).
 * The extension-less imports inside them need a resolver that adds '.js': a small module-resolution
 * hook registered here does that (tsx, when sfn runs from its sources, would too), so tf.grad works
 * in compiled sfn and in users' programs alike. Prod's gradient is the one left out (it imports
 * dist/base.js).
 */

export interface DefaultGradientStatus {
  loaded: number;
  failed: string[];
}

let status: Promise<DefaultGradientStatus> | undefined;
const defaults = new Map<string, tf.GradConfig>();

export function loadDefaultGradients(): Promise<DefaultGradientStatus> {
  status ??= loadAll();
  return status;
}

/** The outcome of loadDefaultGradients() if it was ever called (waits for it), else undefined. */
export function tapeGradientsLoaded(): Promise<DefaultGradientStatus | undefined> {
  return status ?? Promise.resolve(undefined);
}

/** The stock gradient of a kernel as tfjs-core defines it (for tests that show why it is replaced). */
export function defaultGradient(kernelName: string): tf.GradConfig | undefined {
  return defaults.get(kernelName);
}

/**
 * Resolves tfjs-core's extension-less relative imports inside its dist/ folder by adding '.js', only
 * where the ordinary resolution fails; every other import resolves as before.
 */
const EXTENSION_HOOK = `export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const parent = context.parentURL || '';
    if (parent.includes('/@tensorflow/tfjs-core/dist/') && /^\\.\\.?\\//.test(specifier) && !/\\.[cm]?js$/.test(specifier)) {
      return next(specifier + '.js', context);
    }
    throw err;
  }
}`;

async function loadAll(): Promise<DefaultGradientStatus> {
  register(`data:text/javascript,${encodeURIComponent(EXTENSION_HOOK)}`);
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist', 'gradients');
  const files = readdirSync(dir).filter((f) => f.endsWith('_grad.js') && f !== 'Prod_grad.js');
  const failed: string[] = [];
  const modules = await Promise.all(
    files.map((f) =>
      import(pathToFileURL(join(dir, f)).href).catch(() => {
        failed.push(f);
        return {};
      }),
    ),
  );
  for (const module of modules) {
    for (const value of Object.values(module as Record<string, unknown>)) {
      if (isGradConfig(value)) defaults.set(value.kernelName, value);
    }
  }
  for (const config of defaults.values()) {
    // Only fill gaps: whatever is registered already (tfjs-node's union package, our fixes) wins.
    if (tf.getGradient(config.kernelName) === undefined) tf.registerGradient(config);
  }
  return { loaded: defaults.size, failed };
}

function isGradConfig(value: unknown): value is tf.GradConfig {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as tf.GradConfig).kernelName === 'string' &&
    typeof (value as tf.GradConfig).gradFunc === 'function'
  );
}
