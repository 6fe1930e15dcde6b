import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import { useWebGpu } from '../backend/helpers/webgpu.js';
import { sfn, tempDir } from './run-helpers.js';

/**
 * `sfn run --backend webgpu` (on the CPU through Mesa's llvmpipe where there is no GPU) records
 * the losses wasm records, within float32 tolerance. Where no adapter can be had the tests skip
 * with one line (a failure under SFN_REQUIRE_WEBGPU=1, as in CI).
 *
 * Tolerance: every logged loss is a float32 sum over the split's rows, which webgpu reduces in
 * another order than wasm; reordering an n-term float32 sum changes it by at most n u relative
 * (u = 2^-24; Higham's bound), 3.5e-5 for UCI Energy's 588 training rows. Measured: webgpu
 * (llvmpipe) and the cpu backend stay within 6.5e-7 of wasm over the 10 steps below.
 * Acceleration is left out of the compared run (N = 0): Wynn's epsilon of order 6 divides by
 * differences of nearly equal partial sums and turns float32 rounding into ~1e-2 relative
 * differences within ten steps, between wasm and the cpu backend too; it is covered by the
 * one-step runs below, with their own bound.
 */
const UCI_TRAIN_ROWS = 588;
const FLOAT32_SUM_TOLERANCE = UCI_TRAIN_ROWS * 2 ** -24;

/** Ours (Adaptive) with the [code] series and damping, without acceleration, on full-batch UCI Energy. */
const CONFIG = `name: uci-energy-webgpu
dataset: uci-energy
model: uci-mlp
loss: mse
epochs: 100
batchSize: full
seeds: 1
evalInterval: 1
optimisers:
  - name: ours-adaptive
    compat: reference
    K: 16
    N: 0
    damping: 2.322e-3
`;

const LOSSES = ['train_loss', 'val_loss', 'test_loss'] as const;
type Losses = Map<string, { status: string; backend: string; series: Record<(typeof LOSSES)[number], number[]> }>;

/** every run's losses per step, by optimiser label (name:preset) */
async function recordedLosses(db: string): Promise<Losses> {
  const store = await openStore(db, { readonly: true });
  try {
    const out: Losses = new Map();
    for (const run of await store.listRuns()) {
      const series = {} as Record<(typeof LOSSES)[number], number[]>;
      for (const key of LOSSES) series[key] = (await store.metricSeries(run.id, key)).map((p) => p.value);
      out.set(run.preset ? `${run.optimiser}:${run.preset}` : run.optimiser, { status: run.status, backend: run.backend, series });
    }
    return out;
  } finally {
    await store.close();
  }
}

/** runs `sfn run <args>` on wasm and on webgpu into two databases; returns both runs' losses */
async function onBothBackends(dir: string, args: string[]): Promise<{ wasm: Losses; webgpu: Losses; line: string }> {
  const env = { SFN_WEBGPU_ALLOW_SOFTWARE: '1' };
  const [wasm, webgpu] = [path.join(dir, 'wasm.db'), path.join(dir, 'webgpu.db')];
  const w = await sfn(['run', ...args, '--backend', 'wasm', '--db', wasm], env);
  assert.equal(w.code, 0, w.stderr);
  const g = await sfn(['run', ...args, '--backend', 'webgpu', '--db', webgpu], env);
  assert.equal(g.code, 0, g.stderr);
  const line = g.stdout.split('\n').find((l) => l.startsWith('backend ')) ?? '';
  return { wasm: await recordedLosses(wasm), webgpu: await recordedLosses(webgpu), line };
}

function assertClose(label: string, webgpu: Losses, wasm: Losses, tolerance: number, steps: number): void {
  const g = webgpu.get(label);
  const w = wasm.get(label);
  assert.ok(g && w, `${label} ran on both backends`);
  assert.equal(g.backend, 'webgpu');
  assert.equal(g.status, 'completed', `${label} on webgpu: ${g.status}`);
  for (const key of LOSSES) {
    assert.equal(g.series[key].length, steps, `${label} ${key}: ${steps} steps on webgpu`);
    g.series[key].forEach((x, i) => {
      const want = w.series[key][i];
      const relative = Math.abs(x - want) / Math.abs(want);
      assert.ok(relative <= tolerance, `${label} ${key} step ${i + 1}: webgpu ${x} vs wasm ${want} (relative ${relative.toExponential(2)} > ${tolerance.toExponential(2)})`);
    });
  }
}

test('webgpu: sfn run of Ours (Adaptive) on UCI Energy records the losses wasm records, step for step, within float32 tolerance', async (t) => {
  if (!(await useWebGpu(t))) return;
  const dir = tempDir(t, 'sfn-run-webgpu-');
  const config = path.join(dir, 'uci.yaml');
  writeFileSync(config, CONFIG);
  const { wasm, webgpu, line } = await onBothBackends(dir, [config, '--max-steps', '10']);
  // the backend line names the adapter: software or hardware, vendor and architecture
  assert.match(line, /^backend webgpu \((SOFTWARE adapter \(CPU\), for testing only|hardware adapter): .*vendor .*, architecture /);
  assertClose('ours-adaptive', webgpu, wasm, FLOAT32_SUM_TOLERANCE, 10);
});

test('webgpu: one step each of sgd, adam, ours, exact-sfn, kfac-deepmind and lbfgs gives wasm\'s losses', async (t) => {
  if (!(await useWebGpu(t))) return;
  const dir = tempDir(t, 'sfn-run-webgpu-');
  const optimisers = ['sgd', 'adam', 'ours:code', 'exact-sfn', 'kfac-deepmind', 'lbfgs'];
  const { wasm, webgpu } = await onBothBackends(dir, ['--optimiser', optimisers.join(','), '--seeds', '1', '--max-steps', '1']);
  for (const label of optimisers) {
    // ours:code accelerates with Wynn's unguarded epsilon of order 6, which amplifies float32
    // rounding: 5.8e-4 relative after its one step on llvmpipe; the others agree to 4e-7
    assertClose(label, webgpu, wasm, label === 'ours:code' ? 5e-3 : FLOAT32_SUM_TOLERANCE, 1);
  }
});
