// Whether dist/ (the compiled sources) is at least as new as every file of src/. Used by the
// launcher (bin/sfn.js) and the test runner (scripts/test.mjs), so neither runs an out-of-date build.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** the package root, as a file URL ending in '/' */
export const PACKAGE_ROOT = new URL('../', import.meta.url);
/** the compiled command-line entry */
export const COMPILED_MAIN = new URL('dist/cli/main.js', PACKAGE_ROOT);

function mtime(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

/** newest modification time under src/, or 0 when sfn was installed without its sources */
function newestSource() {
  const src = fileURLToPath(new URL('src/', PACKAGE_ROOT));
  let newest = 0;
  try {
    for (const name of readdirSync(src, { recursive: true })) newest = Math.max(newest, statSync(`${src}/${name}`).mtimeMs);
  } catch {
    return 0;
  }
  return newest;
}

export function distIsFresh() {
  const built = mtime(COMPILED_MAIN);
  return built !== undefined && built >= newestSource();
}
