/**
 * IDX files (MNIST family), optionally gzipped: big-endian header of two zero bytes, a type code,
 * the number of dimensions, then one uint32 per dimension, then the data.
 */
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'ubyte', 0x09: 'sbyte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** Parses an IDX file of unsigned bytes; gzip input (magic 1f 8b) is inflated first. */
export function parseIdx(bytes: Uint8Array, label: string): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new Error(`${label}: gzip data is corrupt (${(err as Error).message})`, { cause: err });
    }
  }
  if (raw.length < 4) throw new Error(`${label}: ${raw.length} bytes is too short for an IDX header`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`${label}: not an IDX file (magic starts ${hex(raw[0])} ${hex(raw[1])}, expected 00 00)`);
  }
  const type = raw[2];
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type] ?? `unknown type ${hex(type)}`;
    throw new Error(`${label}: IDX element type ${name} is not supported (only ubyte, 0x08)`);
  }
  const ndim = raw[3];
  if (ndim === 0) throw new Error(`${label}: IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) throw new Error(`${label}: file ends inside the IDX header (${ndim} dimensions)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const available = raw.length - headerBytes;
  if (available !== count) {
    throw new Error(`${label}: IDX header shape [${shape.join(', ')}] needs ${count} data bytes, file has ${available}`);
  }
  return { shape, data: raw.subarray(headerBytes) };
}

/** Parses and checks the shape: `expected` entries that are undefined match anything. */
export function parseIdxWithShape(bytes: Uint8Array, label: string, expected: (number | undefined)[]): IdxArray {
  const arr = parseIdx(bytes, label);
  const ok = arr.shape.length === expected.length && expected.every((e, i) => e === undefined || e === arr.shape[i]);
  if (!ok) {
    const want = expected.map((e) => (e === undefined ? 'N' : String(e))).join(', ');
    throw new Error(`${label}: IDX shape [${arr.shape.join(', ')}], expected [${want}]`);
  }
  return arr;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
