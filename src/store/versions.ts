import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(spec: string): string {
  try {
    const file = require.resolve(spec);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Software versions recorded with each run: sfn, TensorFlow.js core, Node. */
export function softwareVersions(): Record<string, string> {
  return {
    sfn: packageVersion('../../package.json'),
    tfjs: packageVersion('@tensorflow/tfjs-core/package.json'),
    node: process.versions.node,
  };
}
