import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * README.md's "Use on your own model" example, run exactly as printed there: with plain Node (no
 * TypeScript loader), importing the package by its name — which resolves to the compiled package
 * (dist/, kept fresh by `npm test`), as it does for a user who installed sfn.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function readmeExample(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use on your own model'));
  assert.ok(section, 'README.md has a section "## Use on your own model"');
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the section has a ```js code block');
  return code;
}

test("the README's example trains a user's own model through the package's public entry point", () => {
  const code = readmeExample();
  assert.match(code, /from 'sfn'/, 'the example imports the package by name');
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // no loader inherited from the test runner
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 0, `the example failed:\n${r.stderr}`);
  const losses = [...r.stdout.matchAll(/loss ([\d.e+-]+)/g)].map((m) => Number(m[1]));
  assert.equal(losses.length, 3, `three progress lines expected, got:\n${r.stdout}`);
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[2] < losses[0] && losses[2] < 0.01, `the loss falls to near zero: ${losses.join(', ')}`);
});
