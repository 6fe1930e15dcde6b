import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * scripts/build-native.mjs, as `npm install` runs it, on a copy of the sources: a build that cannot
 * compile leaves sfn on its WebAssembly kernel with a message that says so and how to retry, and
 * does not fail the install, unless SFN_REQUIRE_NATIVE=1; SFN_SKIP_NATIVE=1 builds nothing.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function copyOfSources(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sfn-native-'));
  mkdirSync(path.join(dir, 'scripts'));
  cpSync(path.join(REPO, 'scripts/build-native.mjs'), path.join(dir, 'scripts/build-native.mjs'));
  mkdirSync(path.join(dir, 'native'));
  for (const f of ['binding.gyp', 'dense-gemm.cc', 'gemm-body.inc']) cpSync(path.join(REPO, 'native', f), path.join(dir, 'native', f));
  return dir;
}

function build(dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(dir, 'scripts/build-native.mjs')], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

test('a native build that cannot compile says so and leaves the install to succeed (or fail, under SFN_REQUIRE_NATIVE=1)', () => {
  const dir = copyOfSources();
  try {
    const soft = build(dir, { CXX: '/bin/false', CC: '/bin/false', SFN_REQUIRE_NATIVE: '0' });
    assert.equal(soft.status, 0, soft.stderr);
    assert.match(soft.stderr, /the optional native matrix kernel was not built, so the WebAssembly kernel will do its work/);
    assert.match(soft.stderr, /To retry: npm run build:native/);
    assert.ok(!existsSync(path.join(dir, 'native/build/Release/sfn_dense.node')));
    const strict = build(dir, { CXX: '/bin/false', CC: '/bin/false', SFN_REQUIRE_NATIVE: '1' });
    assert.equal(strict.status, 1);
    assert.match(strict.stderr, /was not built/);
    const skipped = build(dir, { SFN_SKIP_NATIVE: '1' });
    assert.equal(skipped.status, 0);
    assert.equal(skipped.stderr, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
