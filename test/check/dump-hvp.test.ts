import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { dumpHvp } from '../../src/check/dump-hvp.js';
import { relativeError, scalarRelativeError } from '../../src/check/vectors.js';
import { modelByName } from '../../src/models/zoo.js';
import { makeHvpProblem } from '../../src/check/problem.js';
import { evaluateReference } from '../../src/reference/index.js';

interface DumpTensor { name: string; shape: number[]; values: number[] }

/** read as float32, as another framework would */
const flat = (ts: DumpTensor[]): Float32Array => Float32Array.from(ts.flatMap((t) => t.values));

/**
 * A dump is enough to recompute everything elsewhere: rebuilding the model from its architecture
 * and feeding the dumped parameters, batch and direction to the float64 reference reproduces the
 * dumped loss, gradient and H v.
 */
for (const model of ['uci-mlp', 'small-convnet']) {
  test(`dump-hvp ${model}: the file holds what another framework needs, and it reproduces`, async () => {
    await initBackend('wasm', { tapeGradients: false });
    const dir = mkdtempSync(join(tmpdir(), 'sfn-dump-'));
    try {
      const path = join(dir, 'sub', 'dump.json');
      const summary = await dumpHvp(model, 7, path, 'wasm');
      const d = JSON.parse(readFileSync(path, 'utf8'));
      const def = modelByName(model);
      assert.equal(d.model, model);
      assert.equal(d.seed, 7);
      assert.equal(d.loss_kind, def.loss);
      assert.deepEqual(d.architecture, JSON.parse(JSON.stringify(def.spec)));
      for (const key of ['parameters', 'direction', 'gradient', 'hvp']) {
        assert.deepEqual(d[key].map((t: DumpTensor) => t.name), def.spec.params.map((p) => p.name), key);
        for (const t of d[key] as DumpTensor[]) assert.equal(t.values.length, t.shape.reduce((a, b) => a * b, 1), `${key} ${t.name}`);
      }
      // 9 significant digits round-trip float32 exactly
      assert.deepEqual(flat(d.parameters), makeHvpProblem(model, 7, { directions: 1, avoidKinks: true }).params);
      assert.ok(d.batch.mask.includes(0) && d.batch.mask.includes(1));
      assert.equal(d.batch.inputs.length, d.batch.batch_size * d.batch.input_shape.reduce((a: number, b: number) => a * b, 1));
      const f32 = (a: number[]): Float32Array => Float32Array.from(a);
      const batch = { batchSize: d.batch.batch_size, x: f32(d.batch.inputs), targets: f32(d.batch.targets), mask: f32(d.batch.mask) };
      const ref = evaluateReference(def, flat(d.parameters), batch, flat(d.direction));
      assert.ok(scalarRelativeError(d.loss, ref.loss) < 1e-6, 'loss');
      assert.ok(relativeError(flat(d.gradient), ref.grad) < 1e-5, 'gradient');
      assert.ok(relativeError(flat(d.hvp), ref.hvp) < 1e-5, 'H v');
      assert.ok(summary.reference.hvpRelError < 1e-5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('dump-hvp refuses an unknown model', async () => {
  await assert.rejects(dumpHvp('alexnet', 1, join(tmpdir(), 'never.json'), 'wasm'), /unknown model "alexnet"/);
});
