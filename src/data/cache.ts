/**
 * The download cache: <dataDir>/<dataset>/<file>. A file counts as present only when its size and
 * checksum match the registry; a cached file that does not match is fetched again.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { hashFile } from './checksum.js';
import { fetchVerified, type Source } from './download.js';
import { cachePath, mirrorSource, resolveDataDir, resolveMirror, type Mirror } from './locations.js';
import { datasetEntry, preferredChecksum, type DatasetEntry, type RemoteFile } from './registry.js';
import type { DataOptions, ProgressCallback } from './types.js';

export type FileStatus =
  | { state: 'ok' }
  | { state: 'missing' }
  | { state: 'wrong-size'; bytes: number }
  | { state: 'wrong-checksum'; algorithm: string; got: string; expected: string };

export interface FileReport {
  file: RemoteFile;
  path: string;
  status: FileStatus;
}

/** Checks one cached file against the registry (size first, then the checksum). */
export async function checkCachedFile(
  dataset: string,
  file: RemoteFile,
  dataDir: string,
  onProgress?: ProgressCallback,
): Promise<FileReport> {
  const where = cachePath(dataDir, dataset, file.name);
  const info = await stat(where).catch(() => undefined);
  if (!info?.isFile()) return { file, path: where, status: { state: 'missing' } };
  if (info.size !== file.bytes) return { file, path: where, status: { state: 'wrong-size', bytes: info.size } };
  const { algorithm, hex } = preferredChecksum(file);
  const got = await hashFile(where, algorithm, (bytes) =>
    onProgress?.({ dataset, file: file.name, phase: 'verify', bytes, total: file.bytes }));
  if (got !== hex) return { file, path: where, status: { state: 'wrong-checksum', algorithm, got, expected: hex } };
  return { file, path: where, status: { state: 'ok' } };
}

/** Verifies every file of a dataset in the cache without fetching anything. */
export async function verifyDataset(name: string, opts: DataOptions = {}): Promise<FileReport[]> {
  const entry = datasetEntry(name);
  const dataDir = resolveDataDir(opts.dataDir);
  const reports: FileReport[] = [];
  for (const file of entry.files) reports.push(await checkCachedFile(entry.name, file, dataDir, opts.onProgress));
  return reports;
}

/**
 * Makes sure every file of a dataset is available and verified; returns file name -> path. A verified
 * cached file is used as it is; else a dataset shipped with sfn is read from its built-in copy (nothing
 * is written); else the file is fetched into the cache from the built-in copy, the mirror or its URL.
 * A cached file that fails its check is fetched again, and the 'replace' event says why.
 */
export async function ensureDatasetFiles(name: string, opts: DataOptions = {}): Promise<Record<string, string>> {
  const entry = datasetEntry(name);
  const dataDir = resolveDataDir(opts.dataDir);
  const mirror = resolveMirror(opts.mirror);
  const builtIn = opts.builtIn ?? true;
  const paths: Record<string, string> = {};
  for (const file of entry.files) paths[file.name] = await ensureFile(entry, file, dataDir, mirror, builtIn, opts.onProgress);
  return paths;
}

async function ensureFile(
  entry: DatasetEntry,
  file: RemoteFile,
  dataDir: string,
  mirror: Mirror | undefined,
  useBuiltIn: boolean,
  onProgress?: ProgressCallback,
): Promise<string> {
  const report = await checkCachedFile(entry.name, file, dataDir, onProgress);
  if (report.status.state === 'ok') {
    onProgress?.({ dataset: entry.name, file: file.name, phase: 'cached', bytes: file.bytes, total: file.bytes });
    return report.path;
  }
  const shipped = useBuiltIn ? await verifiedBuiltInCopy(entry, file) : undefined;
  if (shipped !== undefined && report.status.state === 'missing') {
    onProgress?.({ dataset: entry.name, file: file.name, phase: 'built-in', bytes: file.bytes, total: file.bytes, source: shipped });
    return shipped;
  }
  const source: Source = shipped !== undefined ? { kind: 'file', path: shipped } : sourceFor(entry.name, file, mirror);
  const described = source.kind === 'url' ? source.url : source.path;
  if (report.status.state !== 'missing') {
    onProgress?.({
      dataset: entry.name, file: file.name, phase: 'replace', bytes: 0, total: file.bytes, source: described,
      problem: describeProblem(report),
    });
  }
  await fetchVerified(source, report.path, file, {
    label: `${entry.name}/${file.name}`,
    onBytes: (bytes, total) =>
      onProgress?.({ dataset: entry.name, file: file.name, phase: 'download', bytes, total, source: described }),
  });
  onProgress?.({ dataset: entry.name, file: file.name, phase: 'done', bytes: file.bytes, total: file.bytes, source: described });
  return report.path;
}

/** What is wrong with a cached file, in words. */
export function describeProblem(r: FileReport): string {
  switch (r.status.state) {
    case 'ok': return 'ok';
    case 'missing': return `missing (${r.path})`;
    case 'wrong-size': return `wrong size: ${r.status.bytes} bytes, expected ${r.file.bytes}`;
    case 'wrong-checksum': return `wrong ${r.status.algorithm} checksum: ${r.status.got}, expected ${r.status.expected}`;
  }
}

const builtInChecks = new Map<string, Promise<string | undefined>>();

/** The shipped copy of a file when the dataset has one and it passes the registry's checks (checked once per process). */
function verifiedBuiltInCopy(entry: DatasetEntry, file: RemoteFile): Promise<string | undefined> {
  if (entry.builtIn === undefined) return Promise.resolve(undefined);
  const where = path.join(packageRoot(), entry.builtIn, file.name);
  let check = builtInChecks.get(where);
  if (check === undefined) {
    check = (async () => {
      const info = await stat(where).catch(() => undefined);
      if (!info?.isFile() || info.size !== file.bytes) return undefined;
      const { algorithm, hex } = preferredChecksum(file);
      return (await hashFile(where, algorithm)) === hex ? where : undefined;
    })();
    builtInChecks.set(where, check);
  }
  return check;
}

function sourceFor(dataset: string, file: RemoteFile, mirror: Mirror | undefined): Source {
  if (mirror === undefined) return { kind: 'url', url: file.url };
  const where = mirrorSource(mirror, dataset, file.name);
  return mirror.kind === 'url' ? { kind: 'url', url: where } : { kind: 'file', path: where };
}
