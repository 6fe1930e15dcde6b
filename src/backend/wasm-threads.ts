import * as tf from '@tensorflow/tfjs-core';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { BackendError } from './backend-names.js';

/**
 * Multi-threaded WebAssembly in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build but switches it off in Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false there, tfjs issue #3830): its
 * Emscripten pthread workers are started from blob: URLs, which Node's worker_threads
 * refuse. The build itself works in Node once the workers get real files:
 *  - the worker script is written to a temporary .cjs file and handed out instead of the
 *    blob URL; inside the worker, the main script is read from the package's wasm-out file;
 *  - XNNPACK caps its pool at (logical cores / 2), i.e. 1 thread on a 2-core machine, so
 *    os.cpus() is widened while the module initialises;
 *  - the pool's workers are unref'ed afterwards so that the process can still exit.
 * Measured on the 2-core machine, otherwise idle: 512x512 matMul 6.7 -> 3.5 ms, a 3x3x64x64
 * conv on [8,16,16,64] 3.8 -> 2.0 ms with 2 threads. Under load (load average 5) 2 threads
 * were SLOWER (conv filter gradients of ResNet-18: 18 -> 31 ms in total), so it is opt-in
 * (SFN_WASM_THREADS): with several processes on few cores the pool threads compete.
 */

const MAX_XNNPACK_THREADS = 8;

/** Threads requested by the caller, else SFN_WASM_THREADS ('auto' = all cores), else 1. */
export function requestedWasmThreads(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return checkThreads(option, 'the threads option');
  const raw = env.SFN_WASM_THREADS?.trim();
  if (!raw) return 1;
  if (raw.toLowerCase() === 'auto') return Math.min(os.cpus().length, MAX_XNNPACK_THREADS);
  return checkThreads(Number(raw), `SFN_WASM_THREADS='${raw}'`);
}

function checkThreads(n: number, source: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_XNNPACK_THREADS) {
    throw new BackendError(
      `Invalid wasm thread count from ${source}: use an integer from 1 to ${MAX_XNNPACK_THREADS}, or 'auto'.`,
    );
  }
  return n;
}

interface EmscriptenPThread {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}

/**
 * Initialises the wasm backend with the given number of threads (first call only: the wasm
 * module cannot be re-created). Returns the thread count XNNPACK actually uses.
 */
export async function initWasmBackend(threads: number): Promise<number> {
  if (tf.findBackend('wasm') === null && threads > 1) {
    const ok = await withThreadedModule(threads, () => tf.setBackend('wasm'));
    if (!ok) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      tfWasm.setThreadsCount(1);
      console.warn(`sfn: threaded wasm failed to start; using 1 thread (unset SFN_WASM_THREADS to silence this).`);
    }
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new BackendError(`The wasm backend failed to initialise (see the messages above). Try --backend cpu.`);
  }
  unrefPoolWorkers();
  return tfWasm.getThreadsCount();
}

async function withThreadedModule(threads: number, init: () => Promise<boolean>): Promise<boolean> {
  const workerFile = writeWorkerScript();
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  // Only the wasm factory asks for object URLs during init: the pthread worker script.
  URL.createObjectURL = () => workerFile;
  const cpus = originalCpus();
  os.cpus = () => Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  tfWasm.setThreadsCount(threads);
  try {
    return await init();
  } catch {
    return false;
  } finally {
    URL.createObjectURL = originalCreateObjectURL;
    os.cpus = originalCpus;
  }
}

function writeWorkerScript(): string {
  const require = createRequire(import.meta.url);
  const wasmOut = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const mainScript = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The worker receives the main script as a Blob it cannot load in Node: point it at the file.
  const shim = `URL.createObjectURL = () => ${JSON.stringify(mainScript)}; URL.revokeObjectURL = () => {};\n`;
  // The exported text holds real newlines inside string literals (tfjs escapes them the same way).
  const contents = shim + wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const file = join(workerCacheDir(), `tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, contents);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Where the generated worker script is kept between runs (it is named by its content): sfn's own
 * node_modules/.cache, as build tools keep theirs, else the OS temporary folder.
 */
function workerCacheDir(): string {
  const dir = join(packageRoot(), 'node_modules', '.cache', 'sfn');
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return os.tmpdir();
  }
}

function unrefPoolWorkers(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: EmscriptenPThread } }).wasm;
  const pthread = module?.PThread;
  if (!pthread) return;
  for (const worker of [...pthread.runningWorkers, ...pthread.unusedWorkers]) worker.unref();
}
