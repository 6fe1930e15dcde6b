import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { loadExperiment } from '../../src/config/index.js';
import { modelByName } from '../../src/models/zoo.js';
import { parameterCount } from '../../src/models/spec.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { train } from '../../src/train/loop.js';
import { useWebGpu } from '../backend/helpers/webgpu.js';
import { REPO } from '../cli/run-helpers.js';
import { randomImageDataset } from './helpers.js';

/**
 * The training loop on webgpu with every layer kind of ResNet-18 (the small conv net: conv, batch
 * norm and its running averages, max-pool, a residual block, global average pooling), for the
 * optimisers whose webgpu paths differ most (KFAC's conv and batch-norm blocks, the series, the
 * adaptive rule), step for step against wasm. Tolerance 1e-5 relative: the backends reduce the
 * convolutions and the loss sums in other orders (float32 rounding, measured at most 8e-7 here);
 * a wrong kernel shows up as 1e-3 or more.
 */
const TOLERANCE = 1e-5;
const OPTIMISERS = ['sgd', 'ours-adaptive:code', 'kfac-deepmind'];

async function losses(backend: string): Promise<Map<string, number[][]>> {
  await initBackend(backend, { tapeGradients: false });
  const spec = loadExperiment(path.join(REPO, 'configs/fashion-mnist.yaml'));
  const model = modelByName('small-convnet', 3);
  const dataset = randomImageDataset(5, [32, 16, 12]);
  const out = new Map<string, number[][]>();
  for (const label of OPTIMISERS) {
    const [name, preset] = label.split(':');
    const entry = spec.optimisers.find((o) => o.name === name && (preset === undefined || o.preset === preset));
    assert.ok(entry, `configs/fashion-mnist.yaml has ${label}`);
    const optimizer = createOptimizer(entry, { parameterCount: parameterCount(model.spec), seed: 0 });
    const rows: number[][] = [];
    const result = await train({
      dataset, model, optimizer, seed: 0, epochs: 1, batchSize: 8, maxSteps: 2,
      onStep: (s) => rows.push([s.trainLoss, s.valLoss ?? NaN, s.testLoss ?? NaN, s.testAccuracy ?? NaN]),
    });
    assert.equal(result.stopReason, 'max-steps', `${label} on ${backend}: ${result.stopReason} ${result.divergence ?? ''}`);
    out.set(label, rows);
  }
  return out;
}

test('webgpu: two training steps of the small conv net give wasm\'s losses (sgd, Ours (Adaptive), KFAC)', async (t) => {
  const want = await losses('wasm');
  if (!(await useWebGpu(t))) return;
  const got = await losses('webgpu');
  for (const label of OPTIMISERS) {
    const [g, w] = [got.get(label)!, want.get(label)!];
    assert.equal(g.length, 2);
    g.forEach((row, step) =>
      row.forEach((x, k) => {
        const relative = x === w[step][k] ? 0 : Math.abs(x - w[step][k]) / Math.abs(w[step][k]); // an accuracy may be 0
        assert.ok(relative <= TOLERANCE, `${label} step ${step + 1} value ${k}: webgpu ${x} vs wasm ${w[step][k]} (relative ${relative.toExponential(2)})`);
      }),
    );
  }
});
