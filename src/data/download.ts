/**
 * Fetches one file (http(s) URL or local path) into the cache atomically: bytes go to a temporary
 * file next to the destination, are hashed on the way, and only a file whose size and checksum
 * match the registry is renamed into place. On any failure the temporary file is removed, so the
 * cache never holds a partial or corrupt file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { preferredChecksum, type RemoteFile } from './registry.js';

export type Source = { kind: 'url'; url: string } | { kind: 'file'; path: string };

export interface FetchOptions {
  /** called with the running byte count and the expected total */
  onBytes?: (bytes: number, total: number) => void;
  /** abort an HTTP download when no bytes arrive for this long (ms) */
  idleTimeoutMs?: number;
  /** label for messages, e.g. "fashion-mnist/train-labels-idx1-ubyte.gz" */
  label?: string;
}

export function describeSource(s: Source): string {
  return s.kind === 'url' ? s.url : s.path;
}

export async function fetchVerified(source: Source, dest: string, file: RemoteFile, opts: FetchOptions = {}): Promise<void> {
  const label = opts.label ?? file.name;
  const { algorithm, hex } = preferredChecksum(file);
  await mkdir(path.dirname(dest), { recursive: true });
  await removeStaleParts(dest);
  const temp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const hash = createHash(algorithm);
  let bytes = 0;
  try {
    const handle = await open(temp, 'w');
    try {
      for await (const chunk of readSource(source, label, opts.idleTimeoutMs ?? 60_000)) {
        hash.update(chunk);
        const { bytesWritten } = await handle.write(chunk);
        if (bytesWritten !== chunk.length) {
          throw new Error(`${label}: wrote ${bytesWritten} of ${chunk.length} bytes to ${temp} (disk full?); nothing was stored`);
        }
        bytes += chunk.length;
        if (bytes > file.bytes) {
          throw new Error(`${label}: ${describeSource(source)} sent more than the expected ${file.bytes} bytes; ` +
            'the source holds a different file (check the mirror or URL)');
        }
        opts.onBytes?.(bytes, file.bytes);
      }
    } finally {
      await handle.close();
    }
    if (bytes !== file.bytes) {
      throw new Error(`${label}: ${describeSource(source)} gave ${bytes} bytes, expected ${file.bytes} ` +
        '(truncated download or a different file); nothing was stored, try again');
    }
    const got = hash.digest('hex');
    if (got !== hex) {
      throw new Error(`${label}: ${algorithm} checksum mismatch for ${describeSource(source)}: ` +
        `expected ${hex}, got ${got}; the file was not stored (check the mirror or URL)`);
    }
    await rename(temp, dest);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Temporary files of this destination left by a download that was killed (its process is gone). */
async function removeStaleParts(dest: string): Promise<void> {
  const base = path.basename(dest);
  const pattern = /^\.(\d+)\.[0-9a-f]+\.part$/;
  for (const name of await readdir(path.dirname(dest))) {
    const m = name.startsWith(base) ? pattern.exec(name.slice(base.length)) : null;
    if (m && !processAlive(Number(m[1]))) await rm(path.join(path.dirname(dest), name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function* readSource(source: Source, label: string, idleTimeoutMs: number): AsyncGenerator<Uint8Array> {
  if (source.kind === 'file') {
    const info = await stat(source.path).catch(() => undefined);
    if (!info?.isFile()) {
      throw new Error(`${label}: mirror has no such file: ${source.path} ` +
        '(a mirror folder must be laid out as <mirror>/<dataset>/<file>); put the file there, or unset ' +
        'SFN_DATA_MIRROR (or pass --mirror \'\') to download it from its canonical source');
    }
    for await (const chunk of createReadStream(source.path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    return;
  }
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const rearm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    let response: Response;
    try {
      // identity: the checksum is of the file as published, not of a transparently decoded body
      response = await fetch(source.url, { signal: controller.signal, redirect: 'follow', headers: { 'accept-encoding': 'identity' } });
    } catch (err) {
      throw new Error(
        `${label}: could not download ${source.url}: ${causeOf(err, controller, idleTimeoutMs)}; ` +
          'offline or behind a firewall? put the files in a folder laid out as <folder>/<dataset>/<file> ' +
          'and pass --mirror <folder> (or set SFN_DATA_MIRROR=<folder>)',
        { cause: err },
      );
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`${label}: download of ${source.url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd() +
        '; check the address (or the mirror set by SFN_DATA_MIRROR / --mirror) and try again');
    }
    rearm();
    const reader = response.body.getReader();
    try {
      for (;;) {
        let part: ReadableStreamReadResult<Uint8Array>;
        try {
          part = await reader.read();
        } catch (err) {
          throw new Error(`${label}: download of ${source.url} broke off: ${causeOf(err, controller, idleTimeoutMs)}`, { cause: err });
        }
        if (part.done) break;
        rearm();
        yield part.value;
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
  } finally {
    clearTimeout(timer);
  }
}

function causeOf(err: unknown, controller: AbortController, idleTimeoutMs: number): string {
  if (controller.signal.aborted) return `no data for ${Math.round(idleTimeoutMs / 1000)} s`;
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ');
}
