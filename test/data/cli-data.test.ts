import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_DATA } from './helpers/fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'sfn-cli-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function sfn(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env.SFN_DATA_DIR;
  delete env.SFN_DATA_MIRROR;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/data/helpers/data-cli.ts', ...args], { cwd: repoRoot, encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('sfn data fetch, list, verify', () => {
  const builtIn = sfn('data', 'fetch', 'uci-energy', '--data-dir', dir);
  assert.equal(builtIn.status, 0, builtIn.stderr);
  assert.match(builtIn.stderr, /uci-energy\/data\.txt: built into sfn, verified \(.*data\/uci-energy\/data\.txt\)/);
  assert.equal(builtIn.stdout.trim(), `uci-energy: ready in ${path.join(BUILT_IN_DATA, 'uci-energy')}`);

  const fetched = sfn('data', 'fetch', 'uci-energy', '--data-dir', dir, '--mirror', BUILT_IN_DATA, '--no-built-in');
  assert.equal(fetched.status, 0, fetched.stderr);
  assert.equal(fetched.stdout.trim(), `uci-energy: ready in ${path.join(dir, 'uci-energy')}`);
  assert.match(fetched.stderr, /uci-energy\/data\.txt: stored \(0\.04 MB, checksum ok\)/);

  const listed = sfn('data', 'list', '--data-dir', dir, '--json');
  assert.equal(listed.status, 0, listed.stderr);
  const json = JSON.parse(listed.stdout.trim().split('\n').at(-1) ?? '');
  assert.deepEqual(json.datasets.map((d: { name: string; cached: boolean }) => [d.name, d.cached]),
    [['uci-energy', true], ['fashion-mnist', false], ['svhn', false], ['cifar10', false]]);

  const ok = sfn('data', 'verify', 'uci-energy', '--data-dir', dir);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /uci-energy\/data\.txt: ok\nuci-energy\/permutation_indices\.txt: ok/);

  writeFileSync(path.join(dir, 'uci-energy', 'permutation_indices.txt'), 'garbage');
  const bad = sfn('data', 'verify', 'uci-energy', '--data-dir', dir);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /permutation_indices\.txt: wrong size: 7 bytes, expected 2962/);
  assert.match(bad.stderr, /1 file missing or wrong; run `sfn data fetch <name>`/);
});

test('sfn data: unknown names and unavailable files are clear errors', () => {
  const unknown = sfn('data', 'fetch', 'mnist', '--data-dir', dir);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown dataset "mnist"; choose from uci-energy, fashion-mnist, svhn, cifar10 or "all"/);
  const missing = sfn('data', 'fetch', 'cifar10', '--data-dir', dir, '--mirror', BUILT_IN_DATA);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /fetching cifar10 failed: cifar10\/cifar-10-binary\.tar\.gz: mirror has no such file/);
  assert.match(missing.stderr, /unset SFN_DATA_MIRROR \(or pass --mirror ''\) to download it from its canonical source/);
  // every named dataset is tried, and every failure reported
  const both = sfn('data', 'fetch', 'svhn', 'uci-energy', 'cifar10', '--data-dir', dir, '--mirror', BUILT_IN_DATA, '--no-built-in');
  assert.equal(both.status, 1);
  assert.match(both.stdout, /uci-energy: ready in /);
  assert.match(both.stderr, /2 datasets failed:\n {2}fetching svhn failed: .*mirror has no such file.*\n {2}fetching cifar10 failed: .*mirror has no such file/);
});
