/** Kernel-level profile of one gradient and one warm HVP: `node --import tsx scripts/profile-hvp.ts <model> <rows> [backend]` */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { modelByName } from '../src/models/zoo.js';
import { initParams } from '../src/models/init.js';
import { modelObjective } from '../src/autodiff/model-objective.js';
import { Rng } from '../src/util/random.js';

const [model = 'resnet18', rowsArg = '8', backend = 'wasm'] = process.argv.slice(2);
await initBackend(backend);
const def = modelByName(model);
const rows = Number(rowsArg);
const rng = new Rng(3);
const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
const x = tf.tensor(Float32Array.from({ length: rows * inSize }, () => rng.normal()), [rows, ...def.spec.inputShape]);
const targets = def.loss === 'mse' ? tf.randomNormal([rows, 1]) : tf.tensor1d(Float32Array.from({ length: rows }, () => rng.int(def.spec.outputSize)));
const mask = tf.ones([rows]) as tf.Tensor1D;
const params = tf.tensor1d(initParams(def.spec, 1));
const v = tf.randomNormal([params.size]) as tf.Tensor1D;
const obj = modelObjective(def, params, { x, targets, mask }, { checkFinite: false });
obj.hvp(v).dispose();
for (const [label, fn] of [
  ['grad (cold)', () => modelObjective(def, params, { x, targets, mask }, { checkFinite: false }).grad()],
  ['hvp (warm)', () => obj.hvp(v)],
] as const) {
  const info = await tf.profile(async () => {
    const r = fn();
    await r.data();
    r.dispose();
  });
  const byKernel = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n += 1;
    byKernel.set(k.name, e);
  }
  console.log(`${label}: ${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels`);
  [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)
    .forEach(([n, e]) => console.log(`  ${n.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}`));
}
