/**
 * MATLAB level-5 MAT-files (what scipy.io.loadmat reads), little-endian, numeric arrays only:
 * a 128-byte text header, then tagged data elements; miCOMPRESSED elements hold zlib-deflated
 * elements, miMATRIX elements hold one named array (flags, dimensions, name, real part).
 * Arrays stay in MATLAB's column-major order.
 */
import { inflateSync } from 'node:zlib';

export type MatData = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface MatVariable {
  name: string;
  /** MATLAB class, e.g. 'uint8', 'double' */
  className: string;
  /** MATLAB dimensions, column-major */
  dims: number[];
  /** the real part in its stored element type (MATLAB may store a double array as uint8) */
  data: MatData;
}

const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15 } as const;

const CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13]);

interface Element {
  type: number;
  data: Uint8Array;
}

/** All numeric arrays of a MAT-file by name; other classes (cell, struct, char, sparse) are skipped. */
export function readMat(bytes: Uint8Array, label: string): Map<string, MatVariable> {
  checkHeader(bytes, label);
  const out = new Map<string, MatVariable>();
  for (const el of elements(bytes, 128, bytes.length, label)) collect(el, out, label);
  return out;
}

/** One variable, checked to exist and to have the given number of dimensions. */
export function matVariable(vars: Map<string, MatVariable>, name: string, ndims: number, label: string): MatVariable {
  const v = vars.get(name);
  if (!v) throw new Error(`${label}: MAT-file has no numeric variable "${name}" (it has: ${[...vars.keys()].join(', ') || 'none'})`);
  if (v.dims.length !== ndims) throw new Error(`${label}: variable "${name}" has ${v.dims.length} dimensions [${v.dims.join(', ')}], expected ${ndims}`);
  return v;
}

function checkHeader(bytes: Uint8Array, label: string): void {
  if (bytes.length < 128) throw new Error(`${label}: ${bytes.length} bytes is too short for a MAT-file header`);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, 116).toString('latin1');
  if (!head.startsWith('MATLAB')) throw new Error(`${label}: not a MATLAB MAT-file (header does not start with "MATLAB")`);
  const version = bytes[124] | (bytes[125] << 8);
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (head.startsWith('MATLAB 7.3') || version === 0x0200) {
    throw new Error(`${label}: MAT-file version 7.3 (HDF5) is not supported; save it with -v7 (level 5)`);
  }
  if (endian === 'MI') throw new Error(`${label}: big-endian MAT-files are not supported`);
  if (endian !== 'IM' || version !== 0x0100) {
    throw new Error(`${label}: not a level-5 MAT-file (version 0x${version.toString(16)}, endian "${endian}")`);
  }
}

function* elements(buf: Uint8Array, start: number, end: number, label: string): Generator<Element> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = start;
  while (off + 8 <= end) {
    const first = view.getUint32(off, true);
    if (first >>> 16 !== 0) {
      // small data element: type and size share the first word, data in the next 4 bytes
      const size = first >>> 16;
      if (size > 4) throw new Error(`${label}: corrupt small data element at byte ${off}`);
      yield { type: first & 0xffff, data: buf.subarray(off + 4, off + 4 + size) };
      off += 8;
      continue;
    }
    const size = view.getUint32(off + 4, true);
    const dataStart = off + 8;
    if (dataStart + size > end) throw new Error(`${label}: data element at byte ${off} runs past the end (truncated file?)`);
    yield { type: first, data: buf.subarray(dataStart, dataStart + size) };
    // compressed elements are not padded; all others end on an 8-byte boundary
    off = dataStart + (first === MI.COMPRESSED ? size : Math.ceil(size / 8) * 8);
  }
}

function collect(el: Element, out: Map<string, MatVariable>, label: string): void {
  if (el.type === MI.COMPRESSED) {
    let inflated: Uint8Array;
    try {
      inflated = inflateSync(el.data);
    } catch (err) {
      throw new Error(`${label}: compressed element is corrupt (${(err as Error).message})`, { cause: err });
    }
    for (const inner of elements(inflated, 0, inflated.length, label)) collect(inner, out, label);
    return;
  }
  if (el.type !== MI.MATRIX) return;
  const v = readMatrix(el.data, label);
  if (v) out.set(v.name, v);
}

function readMatrix(buf: Uint8Array, label: string): MatVariable | undefined {
  if (buf.length === 0) return undefined; // empty matrix
  const parts = [...elements(buf, 0, buf.length, label)];
  if (parts.length < 3) throw new Error(`${label}: matrix element has ${parts.length} sub-elements, expected at least 3`);
  const [flagsEl, dimsEl, nameEl] = parts;
  const flags = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, flagsEl.data.byteLength).getUint32(0, true);
  const classId = flags & 0xff;
  const name = Buffer.from(nameEl.data.buffer, nameEl.data.byteOffset, nameEl.data.byteLength).toString('latin1');
  if (!NUMERIC_CLASSES.has(classId)) return undefined;
  if (flags & 0x800) throw new Error(`${label}: variable "${name}" is complex; only real arrays are supported`);
  const dims = Array.from(typed(dimsEl, label, name) as Int32Array);
  const real = parts[3];
  if (!real) throw new Error(`${label}: variable "${name}" has no data`);
  const data = typed(real, label, name);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`${label}: variable "${name}" has ${data.length} values for dimensions [${dims.join(', ')}] (${count})`);
  }
  return { name, className: CLASS_NAMES[classId], dims, data };
}

/** A typed view (bytes) or little-endian copy (wider types) of an element's data. */
function typed(el: Element, label: string, name: string): MatData {
  const d = el.data;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const read = <T extends MatData>(make: (n: number) => T, width: number, get: (o: number) => number): T => {
    const n = Math.floor(d.byteLength / width);
    const out = make(n);
    for (let i = 0; i < n; i++) out[i] = get(i * width);
    return out;
  };
  switch (el.type) {
    case MI.UINT8: return d;
    case MI.INT8: return new Int8Array(d.buffer, d.byteOffset, d.byteLength);
    case MI.INT16: return read((n) => new Int16Array(n), 2, (o) => view.getInt16(o, true));
    case MI.UINT16: return read((n) => new Uint16Array(n), 2, (o) => view.getUint16(o, true));
    case MI.INT32: return read((n) => new Int32Array(n), 4, (o) => view.getInt32(o, true));
    case MI.UINT32: return read((n) => new Uint32Array(n), 4, (o) => view.getUint32(o, true));
    case MI.SINGLE: return read((n) => new Float32Array(n), 4, (o) => view.getFloat32(o, true));
    case MI.DOUBLE: return read((n) => new Float64Array(n), 8, (o) => view.getFloat64(o, true));
    case MI.INT64: return read((n) => new Float64Array(n), 8, (o) => Number(view.getBigInt64(o, true)));
    case MI.UINT64: return read((n) => new Float64Array(n), 8, (o) => Number(view.getBigUint64(o, true)));
    default: throw new Error(`${label}: variable "${name}" uses unsupported element type ${el.type}`);
  }
}
