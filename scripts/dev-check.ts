import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { modelByName, resnet18 } from '../src/models/zoo.js';
import { initParams } from '../src/models/init.js';
import { modelObjective } from '../src/autodiff/model-objective.js';
import { Rng } from '../src/util/random.js';

const backend = process.argv[2] ?? 'cpu';
await initBackend(backend);
for (const name of (process.argv[3] ?? 'uci-mlp,uci-mlp-tanh,fmnist-mlp,small-convnet').split(',')) {
  const def = name === 'tiny-resnet' ? { spec: resnet18({ widths: [4, 6, 6, 8], inputShape: [64, 64, 3] }), loss: 'ce' as const } : modelByName(name);
  const rng = new Rng(1);
  const B = Number(process.env.B ?? (name === 'resnet18' ? 2 : 6));
  const inSize = def.spec.inputShape.reduce((a, b) => a * b, 1);
  const p0 = initParams(def.spec, 3);
  for (let i = 0; i < p0.length; i++) p0[i] += 0.05 * rng.normal(); // break zero inits
  const x = tf.tensor(Array.from({ length: B * inSize }, () => rng.normal()), [B, ...def.spec.inputShape]);
  const t = def.loss === 'mse' ? tf.tensor(Array.from({ length: B }, () => rng.normal()), [B, 1]) : tf.tensor(Array.from({ length: B }, () => rng.int(def.spec.outputSize)));
  const mask = tf.tensor1d(Array.from({ length: B }, (_, i) => (i === B - 1 ? 0 : 1)));
  const params = tf.tensor1d(p0);
  const n = p0.length;
  const v0 = tf.tensor1d(Array.from({ length: n }, () => rng.normal())); const v = v0.div(v0.norm()) as tf.Tensor1D;
  const obj = modelObjective(def, params, { x, targets: t, mask });
  const g = obj.grad();
  const hv = obj.hvp(v);
  // FD of gradient
  const h = Number(process.env.H ?? 1e-3);
  const gp = modelObjective(def, params.add(v.mul(h)) as tf.Tensor1D, { x, targets: t, mask }).grad();
  const gm = modelObjective(def, params.sub(v.mul(h)) as tf.Tensor1D, { x, targets: t, mask }).grad();
  const fd = gp.sub(gm).div(2 * h);
  const rel = (a: tf.Tensor, b: tf.Tensor) => a.sub(b).norm().div(b.norm()).dataSync()[0];
  // FD of loss along v vs g.v
  const lp = modelObjective(def, params.add(v.mul(h)) as tf.Tensor1D, { x, targets: t, mask }).loss().dataSync()[0];
  const lm = modelObjective(def, params.sub(v.mul(h)) as tf.Tensor1D, { x, targets: t, mask }).loss().dataSync()[0];
  const gv = g.dot(v).dataSync()[0];
  // batched vs single
  const v2 = tf.stack([v, v.mul(2)]) as tf.Tensor2D;
  const hb = obj.hvpBatch(v2);
  const relB = rel(hb.slice([1, 0], [1, n]).reshape([n]), hv.mul(2));
  if (process.env.DEBUG) {
    let off = 0;
    for (const ps of def.spec.params) {
      const sz = ps.shape.reduce((a, b) => a * b, 1);
      const a = hv.slice(off, sz), b = fd.slice(off, sz);
      console.log(ps.name, a.norm().dataSync()[0].toExponential(3), b.norm().dataSync()[0].toExponential(3), rel(a, b).toExponential(2));
      off += sz;
    }
  }
  console.log(name, 'n', n, 'loss', obj.loss().dataSync()[0].toFixed(5), 'grad.v', gv.toExponential(4), 'fd', ((lp - lm) / (2 * h)).toExponential(4), 'hvp-vs-fd', rel(hv, fd).toExponential(2), 'batched', relB.toExponential(2));
}
// per-parameter diagnostics (DEBUG=1)
