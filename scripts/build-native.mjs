// Builds the optional native matrix kernel (native/binding.gyp -> native/build/Release/sfn_dense.node)
// with node-gyp, as `npm install` runs it. A failed build is not an error: sfn then computes with its
// WebAssembly kernel alone, and this prints why in a few lines. SFN_REQUIRE_NATIVE=1 makes a failure
// fail (CI); SFN_SKIP_NATIVE=1 skips the build; --if-stale builds only when a source is newer than the
// addon (`npm test` uses it, so a developer's edit to the C++ is never tested stale).
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));
const addon = join(nativeDir, 'build/Release/sfn_dense.node');
const required = process.env.SFN_REQUIRE_NATIVE === '1';

if (process.env.SFN_SKIP_NATIVE === '1') process.exit(0);

if (process.argv.includes('--if-stale') && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  const sources = readdirSync(nativeDir).filter((f) => /\.(cc|inc|gyp)$/.test(f));
  if (sources.every((f) => statSync(join(nativeDir, f)).mtimeMs <= built)) process.exit(0);
}

/** node-gyp as npm runs it for scripts, else the copy bundled with this Node's npm, else on PATH */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/** Node's own headers where this Node was installed with them (as Debian's and the official builds
 * are), so that a run outside npm (which passes its nodedir setting) needs no download either */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [command, ...prefix] = nodeGyp();
const r = spawnSync(command, [...prefix, 'rebuild', ...nodedirArgs()], { cwd: nativeDir, encoding: 'utf8' });
if (r.status === 0) process.exit(0);

const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim().split('\n');
// node-gyp's closing lines name the machine, not the cause: keep what precedes them
const noise = /^gyp (info|ERR! (System|command|cwd|node -v|node-gyp -v|not ok))/;
const tail = output.filter((l) => !noise.test(l)).slice(-6).join('\n  ');
process.stderr.write(
  `sfn: the optional native matrix kernel was not built, so the WebAssembly kernel will do its work ` +
    `(results are the same, MLP steps up to ~2x slower). node-gyp said:\n  ${tail}\n` +
    `To retry: npm run build:native (needs a C++ compiler and Node's headers)\n`,
);
process.exit(required ? 1 : 0);
