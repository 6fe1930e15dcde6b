/** Where the dataset cache lives and where files are fetched from. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA_DIR_ENV = 'SFN_DATA_DIR';
export const MIRROR_ENV = 'SFN_DATA_MIRROR';

/** Cache folder: the option, else $SFN_DATA_DIR, else ./datasets (relative to the working directory). */
export function resolveDataDir(option?: string): string {
  const chosen = option ?? nonEmpty(process.env[DATA_DIR_ENV]) ?? 'datasets';
  return path.resolve(chosen);
}

export type Mirror = { kind: 'folder'; dir: string } | { kind: 'url'; base: string };

/**
 * A mirror replaces the canonical URLs: files are read from <mirror>/<dataset>/<file>.
 * It is an http(s) base URL, a file:// URL or a folder path; the option wins over $SFN_DATA_MIRROR,
 * and an empty option (--mirror '') turns the mirror off.
 */
export function resolveMirror(option?: string): Mirror | undefined {
  const chosen = option !== undefined ? nonEmpty(option.trim()) : nonEmpty(process.env[MIRROR_ENV]);
  if (chosen === undefined) return undefined;
  if (/^https?:\/\//i.test(chosen)) return { kind: 'url', base: chosen.endsWith('/') ? chosen : `${chosen}/` };
  if (/^file:\/\//i.test(chosen)) return { kind: 'folder', dir: fileURLToPath(chosen) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen)) {
    throw new Error(`data mirror "${chosen}": only http://, https://, file:// URLs or a folder path are supported`);
  }
  return { kind: 'folder', dir: path.resolve(chosen) };
}

/** The place a mirror keeps one file of one dataset. */
export function mirrorSource(mirror: Mirror, dataset: string, file: string): string {
  return mirror.kind === 'url'
    ? new URL(`${encodeURIComponent(dataset)}/${encodeURIComponent(file)}`, mirror.base).toString()
    : path.join(mirror.dir, dataset, file);
}

export function cachePath(dataDir: string, dataset: string, file: string): string {
  return path.join(dataDir, dataset, file);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}
