import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { formatCheckHvpReport, runCheckHvp } from '../../src/check/check-hvp.js';
import { registerCheckHvpCommand } from '../../src/cli/check-hvp.js';
import { useWebGpu } from '../backend/helpers/webgpu.js';

/**
 * The float64 proofs of `sfn check-hvp` on the webgpu backend, with the tolerances of every other
 * backend (on the CPU through Mesa's llvmpipe where there is no GPU). ResNet-18 is left to
 * scripts/gpu-check.sh: through llvmpipe its check takes about 7 minutes.
 */

for (const model of ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'small-convnet'] as const) {
  test(`webgpu: check-hvp ${model} passes against the float64 reference`, async (t) => {
    if (!(await useWebGpu(t))) return;
    const report = await runCheckHvp(model, 1);
    assert.ok(report.passed, formatCheckHvpReport(report).join('\n'));
  });
}

test('webgpu: sfn check-hvp --backend webgpu --json names the adapter', async (t) => {
  if (!(await useWebGpu(t))) return;
  const program = new Command().exitOverride();
  registerCheckHvpCommand(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // the command writes strings; the test runner's own reports (binary) pass through
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? (chunks.push(s), true) : write(s, ...rest)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'sfn', 'check-hvp', '--model', 'small-convnet', '--backend', 'webgpu', '--json', '--seed', '2']);
  } finally {
    process.stdout.write = write;
  }
  const out = JSON.parse(chunks.join(''));
  assert.equal(out.backend.name, 'webgpu');
  assert.equal(typeof out.backend.adapter.software, 'boolean');
  assert.ok(out.backend.adapter.device || out.backend.adapter.description, 'the adapter is named');
  assert.equal(out.passed, true);
  assert.notEqual(process.exitCode, 1);
});
