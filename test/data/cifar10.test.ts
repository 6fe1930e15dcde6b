import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildCifar10, parseCifarBatches, CIFAR_MEAN, CIFAR_STD } from '../../src/data/loaders/cifar10.js';
import { readTar, tarFile } from '../../src/data/parsers/tar.js';
import { writeTar } from './helpers/tar-writer.js';

const RECORD = 3073;
/** Pixel value of (record id, channel, row, col), varied enough to catch transposition mistakes. */
const pixel = (id: number, c: number, h: number, w: number): number => (id * 31 + c * 101 + h * 7 + w * 3) % 256;
const labelOf = (id: number): number => (id * 3) % 10;

/** A batch file in the real format: records of label byte + R plane + G plane + B plane. */
function batchFile(firstId: number, count: number): Uint8Array {
  const out = new Uint8Array(count * RECORD);
  for (let k = 0; k < count; k++) {
    const id = firstId + k;
    out[k * RECORD] = labelOf(id);
    for (let c = 0; c < 3; c++) {
      for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) out[k * RECORD + 1 + c * 1024 + h * 32 + w] = pixel(id, c, h, w);
    }
  }
  return out;
}

// 5 training batches of 4 records (ids 0..19) and a test batch of 3 records (ids 100..102)
function archive(): Uint8Array {
  const files = [1, 2, 3, 4, 5].map((i) => ({ name: `cifar-10-batches-bin/data_batch_${i}.bin`, data: batchFile((i - 1) * 4, 4) }));
  files.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: batchFile(100, 3) });
  files.unshift({ name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\nautomobile\n') });
  return gzipSync(writeTar(files));
}

function expectImage(x: Float32Array, row: number, id: number): void {
  for (const [h, w] of [[0, 0], [0, 31], [5, 17], [31, 0], [31, 31]]) {
    for (let c = 0; c < 3; c++) {
      const want = (pixel(id, c, h, w) / 255 - CIFAR_MEAN[c]) / CIFAR_STD[c];
      const got = x[row * 3072 + (h * 32 + w) * 3 + c];
      assert.ok(Math.abs(got - want) < 1e-6, `record ${id} (h ${h}, w ${w}, c ${c}): ${got} vs ${want}`);
    }
  }
}

test('CIFAR-10 from a real-format tar.gz: split rule, channels-last, fixed channel constants', () => {
  const d = buildCifar10(archive());
  // pool of 20 rows: first rint(0.9 * 20) = 18 train, last 2 validation (end of data_batch_5)
  assert.deepEqual([d.train.rows, d.val.rows, d.test.rows], [18, 2, 3]);
  assert.deepEqual(d.train.inputShape, [32, 32, 3]);
  assert.deepEqual(Array.from(d.train.y), Array.from({ length: 18 }, (_, i) => labelOf(i)));
  assert.deepEqual(Array.from(d.val.y), [labelOf(18), labelOf(19)]);
  assert.deepEqual(Array.from(d.test.y), [labelOf(100), labelOf(101), labelOf(102)]);
  expectImage(d.train.x, 0, 0);
  expectImage(d.train.x, 17, 17);
  expectImage(d.val.x, 0, 18);
  expectImage(d.val.x, 1, 19);
  expectImage(d.test.x, 2, 102);
  assert.equal(d.stats.inputs, 'per-channel');
  assert.equal(d.stats.inputScale, 1 / 255);
});

test('CIFAR-10 batch errors', () => {
  assert.throws(() => parseCifarBatches([{ name: 'b.bin', data: new Uint8Array(RECORD + 1) }]), /b\.bin: 3074 bytes is not a whole number of 3073-byte/);
  const bad = batchFile(0, 2);
  bad[RECORD] = 12;
  assert.throws(() => parseCifarBatches([{ name: 'b.bin', data: bad }]), /b\.bin: record 1 has label 12/);
  const noTest = gzipSync(writeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: batchFile(0, 1) }]));
  assert.throws(() => buildCifar10(noTest), /archive has no file "cifar-10-batches-bin\/data_batch_2\.bin" \(it has: cifar-10-batches-bin\/data_batch_1\.bin\)/);
  assert.throws(() => buildCifar10(new Uint8Array([1, 2, 3])), /gzip data is corrupt/);
});

test('tar reader: long names (ustar prefix, GNU, pax), checksums, truncation', () => {
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name.bin`;
  const tar = writeTar([
    { name: 'short.txt', data: Buffer.from('hello') },
    { name: long, data: Buffer.from('ustar prefix') },
    { name: `gnu/${'g'.repeat(120)}.bin`, data: Buffer.from('gnu'), gnuLongName: true },
    { name: `pax/${'p'.repeat(120)}.bin`, data: new Uint8Array(1000).fill(7), paxPath: true },
    { name: './dotted/name.bin', data: Buffer.from('dot') },
  ]);
  const entries = readTar(tar, 't.tar');
  assert.deepEqual(entries.map((e) => e.name), ['short.txt', long, `gnu/${'g'.repeat(120)}.bin`, `pax/${'p'.repeat(120)}.bin`, './dotted/name.bin']);
  assert.equal(Buffer.from(tarFile(entries, long, 't')).toString(), 'ustar prefix');
  assert.equal(Buffer.from(tarFile(entries, `gnu/${'g'.repeat(120)}.bin`, 't')).toString(), 'gnu');
  assert.deepEqual(Array.from(tarFile(entries, `pax/${'p'.repeat(120)}.bin`, 't')), new Array(1000).fill(7));
  assert.equal(Buffer.from(tarFile(entries, 'dotted/name.bin', 't')).toString(), 'dot');

  const corrupt = Buffer.from(tar);
  corrupt[10] ^= 0xff; // inside the first header's name
  assert.throws(() => readTar(corrupt, 't.tar'), /t\.tar: tar header at byte 0 is corrupt/);
  assert.throws(() => readTar(tar.subarray(0, 512 + 3), 't.tar'), /"short\.txt" runs past the end/);
  assert.throws(() => readTar(tar.subarray(0, 1024 + 100), 't.tar'), /archive ends inside a tar header at byte 1024/);
  // an archive cut right after its last entry (no end-of-archive blocks) still reads
  assert.equal(readTar(writeTar([{ name: 'x', data: Buffer.from('x') }]).subarray(0, 1024), 't.tar').length, 1);
});
