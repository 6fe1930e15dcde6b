import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { runAcceleratorComparison } from '../../../src/optim/series/accelerator-comparison.js';
import { registerAccelCommand, runAccelCommand } from '../../../src/cli/accel.js';

test('Figure 10 comparison: rows per step, deterministic, accelerators beat the raw series early on', async () => {
  const options = { seed: 3, size: 40, steps: 80 };
  const a = await runAcceleratorComparison(options);
  const b = await runAcceleratorComparison(options);
  assert.deepEqual(a.rows, b.rows, 'same seed, same numbers');
  assert.notDeepEqual((await runAcceleratorComparison({ ...options, seed: 4 })).rows[1], a.rows[1]);
  const at = (step: number, method: string, order: number) => a.rows.find((r) => r.step === step && r.method === method && r.order === order);
  // target + original + 4 accelerators x 2 orders once 5 sums exist
  assert.equal(a.rows.filter((r) => r.step === 10).length, 10);
  assert.equal(a.rows.filter((r) => r.step === 0).length, 2);
  assert.equal(at(2, 'wynn', 1)?.order, 1);
  assert.equal(at(2, 'wynn', 2), undefined, 'order 2 needs 5 partial sums');
  for (const r of a.rows) assert.ok(r.cosine <= 1 + 1e-12 && r.cosine >= -1 - 1e-12 && r.norm >= 0);
  const raw = at(20, 'original', 0)!.cosine;
  for (const method of ['wynn', 'sablonniere', 'levin', 'pade']) {
    for (const order of [1, 2]) assert.ok(at(20, method, order)!.cosine > raw, `${method} ${order}`);
  }
  // the raw series approaches the target monotonically in direction here
  assert.ok(at(79, 'original', 0)!.cosine > at(5, 'original', 0)!.cosine);
  assert.ok(a.V > 0 && a.targetNorm > 0 && a.eigenvalueRange[0] < 0 && a.eigenvalueRange[1] > 0);
});

test('damped comparison targets (|H| + lambda I)^{-1} g and converges to it', async () => {
  const r = await runAcceleratorComparison({ seed: 1, size: 12, steps: 3000, damping: 1, accelerators: [], orders: [] });
  const last = r.rows.filter((x) => x.step === 2999 && x.method === 'original')[0];
  assert.ok(last.cosine > 1 - 1e-9 && Math.abs(last.norm - r.targetNorm) < 1e-6 * r.targetNorm, JSON.stringify(last));
});

test('sfn accel writes the CSV, the SVG and a summary; bad options are explained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfn-accel-'));
  try {
    const out = await runAccelCommand({ out: dir, seed: 0, steps: 30, size: 20, damping: 0 });
    const csv = readFileSync(out.csvPath, 'utf8').trim().split('\n');
    assert.equal(csv[0], 'step,method,order,cosine,norm,fallback');
    assert.equal(csv.length - 1, out.result.rows.length);
    const svg = readFileSync(out.svgPath, 'utf8');
    assert.equal((svg.match(/<path class="series"/g) ?? []).length, 2 * 10, 'target, original and 8 accelerated curves in each panel');
    const summary = JSON.parse(readFileSync(out.summaryPath, 'utf8'));
    assert.equal(summary.steps, 30);
    assert.ok(summary.lastStep['2×Shanks'].cosine > 0);

    const program = new Command();
    program.exitOverride();
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerAccelCommand(program);
    await assert.rejects(program.parseAsync(['node', 'sfn', 'accel', '--steps', '0']), /--steps must be an integer >= 1, got '0'/);
    await assert.rejects(program.parseAsync(['node', 'sfn', 'accel', '--v', 'abc']), /--v must be a finite number > 0/);
    await assert.rejects(program.parseAsync(['node', 'sfn', 'accel', '--size', '1']), /--size must be an integer >= 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
