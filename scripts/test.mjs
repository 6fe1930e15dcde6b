// Runs every test/**/*.test.ts with Node's test runner (Node 20's --test does not expand globs).
// First rebuilds dist/ when it is older than src/: the command-line tests run `bin/sfn.js`, and the
// library test runs the README's example against the compiled package, as users get them.
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=hvp`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { distIsFresh } from '../bin/freshness.js';

if (!distIsFresh()) {
  process.stderr.write('dist/ is older than src/: building (npm run build)\n');
  const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

// the optional native kernel, rebuilt when its sources changed (a failed build leaves WebAssembly)
const native = spawnSync(process.execPath, ['scripts/build-native.mjs', '--if-stale'], { stdio: 'inherit' });
if (native.status !== 0) process.exit(native.status ?? 1);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = find('test').sort();
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
