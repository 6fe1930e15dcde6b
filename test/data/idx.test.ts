import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxWithShape } from '../../src/data/parsers/idx.js';

function idx(type: number, dims: number[], data: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(data)]);
}

test('parses plain and gzipped IDX files with big-endian dimensions', () => {
  const data = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);
  const file = idx(0x08, [2, 3, 4], data);
  for (const bytes of [file, gzipSync(file)]) {
    const a = parseIdx(bytes, 't');
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(a.data), data);
  }
  const big = parseIdx(idx(0x08, [300], new Array(300).fill(1)), 't');
  assert.deepEqual(big.shape, [300]); // 300 = 0x012c needs both low bytes read big-endian
});

test('IDX header validation errors', () => {
  const good = idx(0x08, [2, 2], [1, 2, 3, 4]);
  const badMagic = Buffer.from(good);
  badMagic[0] = 0x1a;
  assert.throws(() => parseIdx(badMagic, 'f.idx'), /f\.idx: not an IDX file \(magic starts 1a 00/);
  assert.throws(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]), 'f.idx'), /element type float32 is not supported/);
  assert.throws(() => parseIdx(idx(0x08, [2, 2], [1, 2, 3]), 'f.idx'), /shape \[2, 2\] needs 4 data bytes, file has 3/);
  assert.throws(() => parseIdx(idx(0x08, [2, 2], [1, 2, 3, 4, 5]), 'f.idx'), /needs 4 data bytes, file has 5/);
  assert.throws(() => parseIdx(good.subarray(0, 9), 'f.idx'), /ends inside the IDX header/);
  assert.throws(() => parseIdx(Buffer.from([0, 0]), 'f.idx'), /too short/);
  assert.throws(() => parseIdx(idx(0x08, [], []), 'f.idx'), /0 dimensions/);
  const gz = gzipSync(good);
  assert.throws(() => parseIdx(gz.subarray(0, gz.length - 6), 'f.gz'), /f\.gz: gzip data is corrupt/);
  assert.throws(() => parseIdxWithShape(good, 'f.idx', [undefined, 28, 28]), /IDX shape \[2, 2\], expected \[N, 28, 28\]/);
  assert.deepEqual(parseIdxWithShape(good, 'f.idx', [undefined, 2]).shape, [2, 2]);
});
