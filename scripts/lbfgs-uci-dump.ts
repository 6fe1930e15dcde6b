/**
 * Writes the UCI Energy problem exactly as `sfn run` trains it (seed's initial parameters, the
 * standardised train/val/test splits) to JSON, for scripts/lbfgs-jax-crosscheck.py, which runs the
 * paper's published L-BFGS on it. Optional cross-check; not run by npm test.
 *   npx tsx scripts/lbfgs-uci-dump.ts --seed 0 --out /tmp/uci-seed0.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/index.js';
import { initParams } from '../src/models/init.js';
import { modelByName } from '../src/models/zoo.js';
import { paramOffsets } from '../src/models/spec.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '0' }, out: { type: 'string', default: 'uci-energy-lbfgs.json' } } });
const seed = Number(values.seed);
const dataset = await loadDataset('uci-energy');
const model = modelByName('uci-mlp');
const params = initParams(model.spec, seed);
const layers = [...paramOffsets(model.spec)].map(([name, o]) => ({ name, shape: o.shape, offset: o.offset, size: o.size }));
// float32 values written with 9 significant digits: an exact round trip
const f32 = (a: Float32Array): number[] => Array.from(a, (v) => Number(v.toPrecision(9)));
const split = (s: { x: Float32Array; y: Float32Array; rows: number }) => ({ rows: s.rows, x: f32(s.x), y: f32(s.y) });
writeFileSync(
  values.out!,
  JSON.stringify({
    seed,
    layers,
    params: f32(params),
    train: split(dataset.train),
    val: split(dataset.val),
    test: split(dataset.test),
  }),
);
process.stdout.write(`wrote ${values.out}: ${params.length} parameters, ${dataset.train.rows}/${dataset.val.rows}/${dataset.test.rows} rows\n`);
