import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { initBackend } from '../../src/backend/index.js';
import { formatCheckHvpReport, runCheckHvp } from '../../src/check/check-hvp.js';
import { runFloat64Check } from '../../src/check/float64-check.js';
import { CHECK_MODELS, makeHvpProblem, parseCheckModel } from '../../src/check/problem.js';
import { registerCheckHvpCommand } from '../../src/cli/check-hvp.js';

await initBackend('wasm', { tapeGradients: false });

test('check-hvp passes on the UCI MLP and says so', async () => {
  const report = await runCheckHvp('uci-mlp', 3);
  assert.ok(report.passed);
  const text = formatCheckHvpReport(report).join('\n');
  assert.match(text, /maximum relative error \d\.\d\de-\d+, tolerance 1\.00e-5: PASS/);
  assert.match(text, /check-hvp: PASS/);
});

test('a check above its tolerance fails (the checks can fail)', async () => {
  const report = await runFloat64Check(makeHvpProblem('small-convnet', 3, { avoidKinks: true }), { tolerance: 1e-12 });
  assert.equal(report.passed, false);
  assert.match(formatCheckHvpReport({ model: 'small-convnet', seed: 3, checks: [report], passed: false }).join('\n'), /FAIL/);
});

test('problems are deterministic in the seed and differ between seeds', () => {
  const a = makeHvpProblem('fmnist-mlp', 4);
  const b = makeHvpProblem('fmnist-mlp', 4);
  const c = makeHvpProblem('fmnist-mlp', 5);
  assert.deepEqual(a.params, b.params);
  assert.deepEqual(a.batch, b.batch);
  assert.deepEqual(a.directions, b.directions);
  assert.notDeepEqual(a.params, c.params);
  assert.ok(a.batch.mask.includes(0), 'the batch has masked rows');
});

test('an unknown model is a clear error', async () => {
  assert.throws(() => parseCheckModel('resnet50'), /unknown model "resnet50".*uci-mlp, uci-mlp-tanh, fmnist-mlp, small-convnet, resnet18/);
  await assert.rejects(runCheckHvp('vgg', 1), /unknown model "vgg"/);
  assert.deepEqual([...CHECK_MODELS], ['uci-mlp', 'uci-mlp-tanh', 'fmnist-mlp', 'small-convnet', 'resnet18']);
});

test('sfn check-hvp --json prints one JSON object with the backend and the maximum error', async () => {
  const program = new Command().exitOverride();
  registerCheckHvpCommand(program);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  // only the command's text is captured: the test runner's own (binary) reports on stdout pass through
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? (chunks.push(s), true) : write(s, ...rest)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'sfn', 'check-hvp', '--model', 'uci-mlp-tanh', '--backend', 'wasm', '--json', '--seed', '2']);
  } finally {
    process.stdout.write = write;
  }
  const out = JSON.parse(chunks.join(''));
  assert.equal(out.backend.name, 'wasm');
  assert.equal(out.model, 'uci-mlp-tanh');
  assert.equal(out.passed, true);
  assert.ok(out.maxRelError > 0 && out.maxRelError <= 1e-5);
  assert.notEqual(process.exitCode, 1);
});

test('sfn check-hvp rejects a bad model name and a bad seed', async () => {
  for (const args of [['--model', 'nope'], ['--model', 'uci-mlp', '--seed', '-3']]) {
    const program = new Command().exitOverride();
    program.configureOutput({ writeErr: () => {} });
    registerCheckHvpCommand(program);
    await assert.rejects(program.parseAsync(['node', 'sfn', 'check-hvp', ...args]), /unknown model "nope"|--seed must be an integer >= 0, got '-3'/);
  }
});
