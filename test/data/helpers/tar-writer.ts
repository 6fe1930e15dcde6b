// Writes POSIX ustar archives (regular files only), for tests of the tar reader.
export interface TarInput {
  name: string;
  data: Uint8Array;
  /** put the name in a GNU 'L' long-name record instead of the header */
  gnuLongName?: boolean;
  /** put the name in a pax 'x' record */
  paxPath?: boolean;
}

export function writeTar(files: TarInput[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const f of files) {
    if (f.gnuLongName) {
      const nameBytes = Buffer.from(`${f.name}\0`);
      blocks.push(header('././@LongLink', nameBytes.length, 'L'), padded(nameBytes));
      blocks.push(header(f.name.slice(0, 99), f.data.length, '0'), padded(f.data));
    } else if (f.paxPath) {
      const rec = paxRecord('path', f.name);
      blocks.push(header('PaxHeader', rec.length, 'x'), padded(rec));
      blocks.push(header('placeholder-name', f.data.length, '0'), padded(f.data));
    } else {
      blocks.push(header(f.name, f.data.length, '0'), padded(f.data));
    }
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

function header(name: string, size: number, type: string): Uint8Array {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0001750\0', 108);
  h.write('0001750\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('14563255060\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function paxRecord(key: string, value: string): Uint8Array {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.from(`${len}${body}`);
}
