// Writes MATLAB level-5 MAT-files (little-endian, real numeric arrays), for tests of the reader.
import { deflateSync } from 'node:zlib';

export interface MatInput {
  name: string;
  /** MATLAB class id: 6 double, 9 uint8 */
  classId: number;
  dims: number[];
  /** values in column-major order */
  values: ArrayLike<number>;
  /** element type the values are stored as: 2 miUINT8, 9 miDOUBLE */
  storage: 2 | 9;
}

export function writeMat(vars: MatInput[], opts: { compress: boolean; headerText?: string; endian?: string }): Uint8Array {
  const header = Buffer.alloc(128, 0x20);
  header.write((opts.headerText ?? 'MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test').slice(0, 116), 0, 'latin1');
  header.fill(0, 116, 124);
  header.writeUInt16LE(0x0100, 124);
  header.write(opts.endian ?? 'IM', 126, 'latin1');
  const parts: Uint8Array[] = [header];
  for (const v of vars) {
    const matrix = element(14, matrixBody(v));
    parts.push(opts.compress ? compressed(matrix) : matrix);
  }
  return Buffer.concat(parts);
}

function matrixBody(v: MatInput): Uint8Array {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(v.classId, 0);
  const dims = Buffer.alloc(4 * v.dims.length);
  v.dims.forEach((d, i) => dims.writeInt32LE(d, 4 * i));
  const name = Buffer.from(v.name, 'latin1');
  let data: Buffer;
  if (v.storage === 2) {
    data = Buffer.from(Uint8Array.from(v.values));
  } else {
    data = Buffer.alloc(8 * v.values.length);
    for (let i = 0; i < v.values.length; i++) data.writeDoubleLE(v.values[i], 8 * i);
  }
  return Buffer.concat([element(6, flags), element(5, dims), smallOrNormal(1, name), element(v.storage, data)]);
}

/** Tag (type, byte count), data, zero padding to 8 bytes. */
function element(type: number, data: Uint8Array): Uint8Array {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(data.length, 4);
  const pad = Buffer.alloc((8 - (data.length % 8)) % 8);
  return Buffer.concat([tag, data, pad]);
}

/** Names of up to 4 bytes go into a small data element, as MATLAB writes them. */
function smallOrNormal(type: number, data: Uint8Array): Uint8Array {
  if (data.length > 4) return element(type, data);
  const out = Buffer.alloc(8);
  out.writeUInt16LE(type, 0);
  out.writeUInt16LE(data.length, 2);
  Buffer.from(data).copy(out, 4);
  return out;
}

/** miCOMPRESSED: a zlib stream of the element, not padded. */
function compressed(el: Uint8Array): Uint8Array {
  const z = deflateSync(el);
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(15, 0);
  tag.writeUInt32LE(z.length, 4);
  return Buffer.concat([tag, z]);
}
