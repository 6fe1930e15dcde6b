/**
 * `node --import tsx scripts/smoke-resnet-kfac.ts`: a short ResNet-18 run of both KFAC optimisers on
 * synthetic CIFAR-shaped data (32x32x3, 10 classes), through the same training loop as `sfn run`,
 * with the hyperparameters of configs/cifar10.yaml's KFAC entries. CIFAR-10 itself is not here
 * (its loader checks the real files' checksums and split sizes), so the data are random images with
 * random labels: this shows that the run works end to end (conv, batch-norm and dense blocks,
 * sampled Fisher, inverses of ResNet-18's largest factors) and how long a step takes, nothing about
 * accuracy. Prints one line per step and a JSON summary.
 * Options: --steps n (5), --batch n (8; the config's batch sizes, 800 and 3200, take far longer on
 * a CPU), --optimiser a[,b] (kfac-deepmind,kfac-kazuki), --backend b (wasm), --seed n (0).
 */
import { initBackend, formatBackend } from '../src/backend/index.js';
import { loadExperiment } from '../src/config/index.js';
import type { Dataset, Split } from '../src/data/types.js';
import { modelByName } from '../src/models/zoo.js';
import { parameterCount } from '../src/models/spec.js';
import { createOptimizer } from '../src/optim/registry.js';
import { train } from '../src/train/loop.js';
import { Rng } from '../src/util/random.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const steps = Number(arg('steps', '5'));
const batch = Number(arg('batch', '8'));
const seed = Number(arg('seed', '0'));
const names = arg('optimiser', 'kfac-deepmind,kfac-kazuki').split(',');
await initBackend(arg('backend', process.env.SFN_BACKEND ?? 'wasm'), { tapeGradients: false });
process.stderr.write(`${formatBackend()}\n`);

/** standard-normal images [rows, 32, 32, 3] (as CIFAR-10 after its per-channel standardisation) and uniform labels */
function split(rows: number, rng: Rng): Split {
  return {
    x: Float32Array.from({ length: rows * 32 * 32 * 3 }, () => rng.normal()),
    y: Float32Array.from({ length: rows }, () => rng.int(10)),
    rows,
    inputShape: [32, 32, 3],
    targetShape: [],
  };
}

const rng = new Rng(1234);
const dataset: Dataset = {
  name: 'synthetic-cifar10',
  task: 'classification',
  classes: 10,
  train: split(batch * steps, rng),
  val: split(batch, rng),
  test: split(batch, rng),
  stats: { inputs: 'per-channel', inputScale: 1, inputMean: new Float64Array(3), inputStd: new Float64Array(3).fill(1), source: 'synthetic: standard normal' },
};

const spec = loadExperiment('configs/cifar10.yaml');
const model = modelByName(spec.model, 10);
const summary: Record<string, unknown> = {};
for (const name of names) {
  const entry = spec.optimisers.find((o) => o.name === name);
  if (!entry) throw new Error(`configs/cifar10.yaml has no entry for ${name}`);
  const optimizer = createOptimizer(entry, { parameterCount: parameterCount(model.spec), seed });
  const times: number[] = [];
  let previous = 0;
  const result = await train({
    dataset, model, optimizer, seed, epochs: 1, batchSize: batch, evalInterval: steps, maxSteps: steps,
    onStep: (r) => {
      times.push(r.wallTimeExclEval - previous);
      previous = r.wallTimeExclEval;
      process.stderr.write(`${name} step ${r.step}: train loss ${r.trainLoss.toFixed(4)}, ${times[times.length - 1].toFixed(1)} s` +
        `${r.info.lr !== undefined ? `, lr ${r.info.lr.toPrecision(3)}` : ''}${r.info.damping !== undefined ? `, damping ${r.info.damping.toPrecision(3)}` : ''}\n`);
    },
  });
  const later = times.slice(1);
  summary[name] = {
    stopReason: result.stopReason, steps: result.steps, hyperparameters: entry.hyperparameters,
    firstStepSeconds: Number(times[0].toFixed(2)),
    meanStepSecondsAfterFirst: later.length ? Number((later.reduce((a, b) => a + b, 0) / later.length).toFixed(2)) : null,
    finalTrainLoss: result.last?.trainLoss, testLoss: result.lastEval?.testLoss,
  };
}
console.log(JSON.stringify({ model: model.spec.name, parameters: parameterCount(model.spec), batch, steps, results: summary }));
