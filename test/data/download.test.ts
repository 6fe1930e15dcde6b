import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatasetFiles, verifyDataset } from '../../src/data/cache.js';
import { fetchVerified } from '../../src/data/download.js';
import { resolveDataDir, resolveMirror } from '../../src/data/locations.js';
import type { FetchProgress } from '../../src/data/types.js';
import { preferredChecksum } from '../../src/data/registry.js';
import { startFileServer, type TestServer } from './helpers/http-server.js';
import { BUILT_IN_DATA } from './helpers/fixtures.js';

let server: TestServer;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'sfn-dl-'));
  dirs.push(d);
  return d;
};
const listAll = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : [];
const uciData = readFileSync(path.join(BUILT_IN_DATA, 'uci-energy/data.txt'));

before(async () => {
  server = await startFileServer(BUILT_IN_DATA);
});
after(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('good files download over HTTP with progress and checksum, then come from the cache', async () => {
  const dir = tempDir();
  const events: FetchProgress[] = [];
  const paths = await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, onProgress: (p) => events.push(p), builtIn: false });
  assert.equal(paths['data.txt'], path.join(dir, 'uci-energy', 'data.txt'));
  assert.deepEqual(readFileSync(paths['data.txt']), uciData);
  assert.deepEqual(listAll(dir), ['uci-energy', 'uci-energy/data.txt', 'uci-energy/permutation_indices.txt']);
  assert.deepEqual(server.requests, ['/uci-energy/data.txt', '/uci-energy/permutation_indices.txt']);
  const dl = events.filter((e) => e.file === 'data.txt' && e.phase === 'download');
  assert.ok(dl.length >= 1);
  assert.equal(dl.at(-1)?.bytes, 35309);
  assert.equal(dl[0].source, `${server.url}uci-energy/data.txt`);
  assert.ok(dl.every((e, i) => i === 0 || e.bytes >= dl[i - 1].bytes));
  assert.ok(events.some((e) => e.file === 'data.txt' && e.phase === 'done'));

  server.requests.length = 0;
  const again: FetchProgress[] = [];
  await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, onProgress: (p) => again.push(p), builtIn: false });
  assert.deepEqual(server.requests, [], 'a verified cache is not downloaded again');
  assert.deepEqual(again.filter((e) => e.phase === 'cached').map((e) => e.file), ['data.txt', 'permutation_indices.txt']);
  assert.ok((await verifyDataset('uci-energy', { dataDir: dir })).every((r) => r.status.state === 'ok'));
});

test('wrong checksum: clear error, nothing left in the cache', async () => {
  const dir = tempDir();
  const tampered = Buffer.from(uciData);
  tampered[100] ^= 1; // same size, different bytes
  server.overrides.set('/uci-energy/data.txt', tampered);
  try {
    await assert.rejects(
      ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, builtIn: false }),
      /uci-energy\/data\.txt: sha256 checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/uci-energy\/data\.txt: expected 7f8bf024\w+, got \w+; the file was not stored/,
    );
    assert.deepEqual(listAll(dir), ['uci-energy'], 'no partial or corrupt file');
    server.overrides.set('/uci-energy/data.txt', uciData.subarray(0, 1000));
    await assert.rejects(ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, builtIn: false }), /gave 1000 bytes, expected 35309/);
    assert.deepEqual(listAll(dir), ['uci-energy']);
    server.overrides.set('/uci-energy/data.txt', Buffer.concat([uciData, Buffer.from('extra')]));
    await assert.rejects(ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, builtIn: false }), /sent more than the expected 35309 bytes/);
    assert.deepEqual(listAll(dir), ['uci-energy']);
  } finally {
    server.overrides.clear();
  }
});

test('missing file: HTTP 404 and a missing mirror file give clear errors', async () => {
  const dir = tempDir();
  await assert.rejects(
    ensureDatasetFiles('svhn', { dataDir: dir, mirror: server.url }),
    /svhn\/train_32x32\.mat: download of http:\/\/127\.0\.0\.1:\d+\/svhn\/train_32x32\.mat failed: HTTP 404 Not Found/,
  );
  await assert.rejects(
    ensureDatasetFiles('cifar10', { dataDir: dir, mirror: BUILT_IN_DATA }),
    /cifar10\/cifar-10-binary\.tar\.gz: mirror has no such file: .*cifar10\/cifar-10-binary\.tar\.gz/,
  );
  assert.deepEqual(listAll(dir).filter((f) => f.includes('.')), [], 'no file left behind');
});

test('an unreachable server gives a clear error', async () => {
  const dir = tempDir();
  const closed = await startFileServer(BUILT_IN_DATA);
  const url = closed.url;
  await closed.close();
  await assert.rejects(ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: url, builtIn: false }), /uci-energy\/data\.txt: could not download http:\/\/127\.0\.0\.1:\d+\/uci-energy\/data\.txt: fetch failed.*; offline or behind a firewall\? put the files in a folder laid out as <folder>\/<dataset>\/<file> and pass --mirror <folder> \(or set SFN_DATA_MIRROR=<folder>\)/);
  assert.deepEqual(listAll(dir), ['uci-energy']);
});

test('a corrupt cached file is detected and fetched again; verify reports it', async () => {
  const dir = tempDir();
  await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: BUILT_IN_DATA, builtIn: false });
  const cached = path.join(dir, 'uci-energy', 'data.txt');
  const bad = Buffer.from(uciData);
  bad[0] ^= 1;
  writeFileSync(cached, bad);
  let reports = await verifyDataset('uci-energy', { dataDir: dir });
  assert.equal(reports[0].status.state, 'wrong-checksum');
  assert.equal((reports[0].status as { expected: string }).expected, preferredChecksum(reports[0].file).hex);
  writeFileSync(cached, 'short');
  reports = await verifyDataset('uci-energy', { dataDir: dir });
  assert.deepEqual(reports[0].status, { state: 'wrong-size', bytes: 5 });
  rmSync(path.join(dir, 'uci-energy', 'permutation_indices.txt'));
  assert.equal((await verifyDataset('uci-energy', { dataDir: dir }))[1].status.state, 'missing');
  await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, builtIn: false });
  assert.deepEqual(readFileSync(cached), uciData);
  assert.ok((await verifyDataset('uci-energy', { dataDir: dir })).every((r) => r.status.state === 'ok'));
});

test('a built-in dataset: an empty cache is left alone; a corrupt cached file is replaced from the built-in copy and reported', async () => {
  const dir = tempDir();
  server.requests.length = 0;
  const first: FetchProgress[] = [];
  const paths = await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, onProgress: (p) => first.push(p) });
  assert.equal(paths['data.txt'], path.join(BUILT_IN_DATA, 'uci-energy', 'data.txt'));
  assert.deepEqual(first.map((e) => e.phase), ['built-in', 'built-in']);
  assert.deepEqual(server.requests, [], 'the mirror is not asked');
  assert.deepEqual(listAll(dir), [], 'nothing written');

  await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, builtIn: false });
  const cached = path.join(dir, 'uci-energy', 'data.txt');
  writeFileSync(cached, 'corrupt');
  server.requests.length = 0;
  const events: FetchProgress[] = [];
  const again = await ensureDatasetFiles('uci-energy', { dataDir: dir, mirror: server.url, onProgress: (p) => events.push(p) });
  assert.equal(again['data.txt'], cached);
  assert.deepEqual(readFileSync(cached), uciData);
  const replaced = events.find((e) => e.phase === 'replace');
  assert.equal(replaced?.file, 'data.txt');
  assert.equal(replaced?.problem, 'wrong size: 7 bytes, expected 35309');
  assert.equal(replaced?.source, path.join(BUILT_IN_DATA, 'uci-energy', 'data.txt'));
  assert.deepEqual(server.requests, [], 'replaced from the built-in copy, not downloaded');
});

test('fetchVerified checks md5 where no sha256 is given, and never leaves a .part file', async () => {
  const dir = tempDir();
  const dest = path.join(dir, 'sub', 'f.txt');
  const md5 = createHash('md5').update(uciData).digest('hex');
  const src = { kind: 'url' as const, url: `${server.url}uci-energy/data.txt` };
  await assert.rejects(fetchVerified(src, dest, { name: 'f.txt', url: '', bytes: uciData.length, md5: '0'.repeat(32) }), /md5 checksum mismatch/);
  assert.deepEqual(listAll(path.join(dir, 'sub')), []);
  await fetchVerified(src, dest, { name: 'f.txt', url: '', bytes: uciData.length, md5 });
  assert.deepEqual(readFileSync(dest), uciData);
});

test('a .part file left by a killed download is removed; one of a live process is left alone', async () => {
  const dir = tempDir();
  const dest = path.join(dir, 'data.txt');
  const src = { kind: 'url' as const, url: `${server.url}uci-energy/data.txt` };
  const dead = `data.txt.${2 ** 22 + 12345}.deadbeef.part`; // above Linux's pid_max default: no such process
  const live = `data.txt.${process.pid}.cafe0123.part`;
  writeFileSync(path.join(dir, dead), 'partial');
  writeFileSync(path.join(dir, live), 'in progress');
  const md5 = createHash('md5').update(uciData).digest('hex');
  await fetchVerified(src, dest, { name: 'data.txt', url: '', bytes: uciData.length, md5 });
  assert.deepEqual(readdirSync(dir).sort(), ['data.txt', live].sort());
});

test('data dir and mirror come from options, then SFN_DATA_DIR / SFN_DATA_MIRROR', () => {
  const saved = { dir: process.env.SFN_DATA_DIR, mirror: process.env.SFN_DATA_MIRROR };
  try {
    delete process.env.SFN_DATA_DIR;
    delete process.env.SFN_DATA_MIRROR;
    assert.equal(resolveDataDir(), path.resolve('datasets'));
    assert.equal(resolveMirror(), undefined);
    process.env.SFN_DATA_DIR = '/tmp/x-data';
    process.env.SFN_DATA_MIRROR = '../mirror/datasets';
    assert.equal(resolveDataDir(), '/tmp/x-data');
    assert.equal(resolveDataDir('rel'), path.resolve('rel'));
    assert.deepEqual(resolveMirror(), { kind: 'folder', dir: path.resolve('../mirror/datasets') });
    assert.deepEqual(resolveMirror('http://h:1/base'), { kind: 'url', base: 'http://h:1/base/' });
    assert.deepEqual(resolveMirror('file:///srv/data'), { kind: 'folder', dir: '/srv/data' });
    assert.throws(() => resolveMirror('ftp://h/x'), /only http:\/\/, https:\/\/, file:\/\/ URLs or a folder path/);
    assert.equal(resolveMirror(''), undefined, "--mirror '' turns SFN_DATA_MIRROR off");
  } finally {
    for (const [k, v] of [['SFN_DATA_DIR', saved.dir], ['SFN_DATA_MIRROR', saved.mirror]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('the env mirror is used when no option is given', async () => {
  const dir = tempDir();
  const saved = process.env.SFN_DATA_MIRROR;
  process.env.SFN_DATA_MIRROR = server.url;
  server.requests.length = 0;
  try {
    await ensureDatasetFiles('uci-energy', { dataDir: dir, builtIn: false });
    assert.deepEqual(server.requests, ['/uci-energy/data.txt', '/uci-energy/permutation_indices.txt']);
  } finally {
    if (saved === undefined) delete process.env.SFN_DATA_MIRROR;
    else process.env.SFN_DATA_MIRROR = saved;
  }
});
