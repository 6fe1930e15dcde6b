/**
 * A small in-memory tar reader (POSIX ustar, with GNU long names and pax path/size records):
 * enough for the CIFAR-10 archive. Entries are views into the input buffer, not copies.
 */
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** '0' regular file, '5' directory, ... (the raw typeflag; '\0' is reported as '0') */
  type: string;
  data: Uint8Array;
}

const BLOCK = 512;

export function gunzipTar(bytes: Uint8Array, label: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${label}: gzip data is corrupt (${(err as Error).message})`, { cause: err });
  }
}

export function readTar(tar: Uint8Array, label: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset < tar.length) {
    if (offset + BLOCK > tar.length) throw new Error(`${label}: archive ends inside a tar header at byte ${offset} (truncated file?)`);
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    checkHeaderChecksum(header, label, offset);
    let name = text(header, 0, 100);
    const prefix = text(header, 345, 155);
    if (prefix !== '' && text(header, 257, 5) === 'ustar') name = `${prefix}/${name}`;
    let size = numeric(header, 124, 12, label, offset);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    if (pax.size !== undefined) size = Number(pax.size);
    const start = offset + BLOCK;
    const end = start + size;
    if (end > tar.length) throw new Error(`${label}: tar entry "${name}" runs past the end of the archive (truncated file?)`);
    const data = tar.subarray(start, end);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = parsePax(data);
      continue;
    }
    if (type === 'g') continue;
    if (longName !== undefined) name = longName;
    if (pax.path !== undefined) name = pax.path;
    longName = undefined;
    pax = {};
    entries.push({ name, type, data });
  }
  return entries;
}

/** The regular file with this path (leading "./" ignored), or a clear error naming what is there. */
export function tarFile(entries: TarEntry[], name: string, label: string): Uint8Array {
  const clean = (s: string): string => s.replace(/^\.\//, '');
  const found = entries.find((e) => e.type === '0' && clean(e.name) === name);
  if (!found) {
    const files = entries.filter((e) => e.type === '0').map((e) => e.name);
    throw new Error(`${label}: archive has no file "${name}" (it has: ${files.slice(0, 10).join(', ') || 'no files'})`);
  }
  return found.data;
}

function checkHeaderChecksum(header: Uint8Array, label: string, offset: number): void {
  const stored = parseInt(text(header, 148, 8).trim() || 'NaN', 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (stored !== sum) throw new Error(`${label}: tar header at byte ${offset} is corrupt (checksum ${stored}, computed ${sum})`);
}

/** NUL-terminated ASCII field. */
function text(b: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

/** Octal number field, or GNU base-256 when the top bit of the first byte is set. */
function numeric(b: Uint8Array, start: number, length: number, label: string, offset: number): number {
  if (b[start] & 0x80) {
    let v = b[start] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + b[start + i];
    return v;
  }
  const s = text(b, start, length).trim();
  const v = s === '' ? 0 : parseInt(s, 8);
  if (!Number.isFinite(v) || !/^[0-7]*$/.test(s)) throw new Error(`${label}: tar header at byte ${offset} has a bad size field "${s}"`);
  return v;
}

/** pax records: "<len> <key>=<value>\n". */
function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const s = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let i = 0;
  while (i < s.length) {
    const space = s.indexOf(' ', i);
    if (space < 0) break;
    const len = Number(s.slice(i, space));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = s.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}
