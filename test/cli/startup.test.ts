import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `sfn --help` and `sfn report` load at start-up: the static import graph of src/cli/main.ts
 * (type-only imports and dynamic `await import()` excluded, as at run time). TensorFlow.js, zod and
 * the database driver are loaded only by the commands that use them, inside their actions.
 */
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

/** external packages reachable from `entry` through static imports, each with the file importing it */
function packagesReachedFrom(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        assert.ok(existsSync(target), `${path.relative(SRC, file)} imports ${spec}, which does not exist`);
        visit(target);
      } else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!packages.has(name)) packages.set(name, path.relative(SRC, file));
      }
    }
  };
  visit(entry);
  return packages;
}

test('sfn --help loads only commander and small modules: no TensorFlow.js, zod, yaml, database driver or logger', () => {
  const reached = packagesReachedFrom(path.join(SRC, 'cli/main.ts'));
  for (const heavy of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'zod', 'yaml', 'better-sqlite3', 'pg', 'pino']) {
    assert.ok(!reached.has(heavy), `${heavy} is imported at start-up by src/${reached.get(heavy)}`);
  }
  assert.ok(reached.has('commander'));
});

test('sfn report loads the database drivers (each store its own, when used) but neither TensorFlow.js nor the config parser', () => {
  const reached = new Map([
    ...packagesReachedFrom(path.join(SRC, 'cli/report.ts')),
    ...packagesReachedFrom(path.join(SRC, 'store/store.ts')),
    ...packagesReachedFrom(path.join(SRC, 'store/sqlite-store.ts')),
    ...packagesReachedFrom(path.join(SRC, 'store/pg-store.ts')),
    ...packagesReachedFrom(path.join(SRC, 'report/build-report.ts')),
    ...packagesReachedFrom(path.join(SRC, 'report/write-report.ts')),
  ]);
  for (const heavy of ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', 'zod', 'yaml']) {
    assert.ok(!reached.has(heavy), `${heavy} is imported by the report through src/${reached.get(heavy)}`);
  }
  assert.ok(reached.has('better-sqlite3'));
  assert.ok(reached.has('pg'));
  // the store interface itself loads neither: openStore imports the one it needs
  const front = packagesReachedFrom(path.join(SRC, 'store/store.ts'));
  assert.ok(!front.has('better-sqlite3') && !front.has('pg'), [...front.keys()].join(', '));
});
