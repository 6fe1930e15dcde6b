import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder of sfn's own package.json, found by walking up from this file: the same answer whether
 * sfn runs from its TypeScript sources (src/util) or compiled (dist/src/util), from a clone or from
 * node_modules. Shipped files (configs/, data/) are resolved against it, never against the working
 * directory.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sfn') return (cached = dir);
      } catch {
        // an unreadable manifest is not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`sfn's package.json was not found above ${fileURLToPath(import.meta.url)}; the installation is incomplete`);
    dir = parent;
  }
}
