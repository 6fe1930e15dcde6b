#!/usr/bin/env node
// Launcher. Runs the compiled JavaScript in dist/ (built by `npm install` through the `prepare`
// script, or by `npm run build`). In a clone whose TypeScript sources are newer than that build, it
// runs the sources through tsx instead, so an out-of-date build is never used.
import { COMPILED_MAIN, PACKAGE_ROOT, distIsFresh } from './freshness.js';

if (distIsFresh()) {
  await import(COMPILED_MAIN.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/cli/main.ts', PACKAGE_ROOT).href);
}
