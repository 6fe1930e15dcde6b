import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METRIC_KEYS, type RunStatus, type Store } from '../../src/store/index.js';
import { Rng } from '../../src/util/random.js';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sfn-report-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One recorded point of a hand-made run. */
export interface Point {
  step: number;
  wall: number;
  /** evaluation-excluded time; default wall */
  compute?: number;
  train?: number;
  val?: number;
  test?: number;
}

export interface HandRun {
  experiment: string;
  optimiser: string;
  preset?: string | null;
  seed: number;
  status: Exclude<RunStatus, 'running'> | 'running';
  points: Point[];
  /** hyperparameters; runs of one entry under different ones are different configurations */
  hyperparameters?: Record<string, unknown>;
  /** epochs of the run's configuration; default the paper's for its experiment (1 for others) */
  epochs?: number;
  maxSteps?: number;
  /** the experiment's identity in the store; runs of one name under different ones are different settings */
  experimentConfig?: Record<string, unknown>;
}

const PAPER_EPOCHS: Record<string, number> = { 'uci-energy': 6000, 'fashion-mnist': 10 };

/** Writes runs through the Store's public API, exactly as the training loop would. */
export async function recordRuns(store: Store, runs: readonly HandRun[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of runs) {
    const exp = await store.findOrCreateExperiment(r.experiment, r.experimentConfig ?? { name: r.experiment });
    const begun = await store.beginRun({
      experimentId: exp.id,
      optimiser: r.optimiser,
      preset: r.preset ?? null,
      seed: r.seed,
      // as the training loop: the seed is not part of the configuration
      config: {
        epochs: r.epochs ?? PAPER_EPOCHS[r.experiment] ?? 1, maxSteps: r.maxSteps ?? null,
        optimiser: r.optimiser, preset: r.preset ?? null, hyperparameters: r.hyperparameters ?? {},
      },
      backend: 'cpu',
      versions: { sfn: 'test' },
    });
    if (begun.action !== 'start') throw new Error(`fixture run ${r.optimiser}/${r.seed} not started: ${begun.action}`);
    const w = await store.metricsWriter(begun.run.id);
    for (const p of r.points) {
      const values: Record<string, number> = {};
      if (p.train !== undefined) values[METRIC_KEYS.trainLoss] = p.train;
      if (p.val !== undefined) values[METRIC_KEYS.valLoss] = p.val;
      if (p.test !== undefined) values[METRIC_KEYS.testLoss] = p.test;
      w.writeStep({ step: p.step, epoch: 0, wallTime: p.wall, wallTimeExclEval: p.compute ?? p.wall }, values);
    }
    await w.flush();
    if (r.status !== 'running') {
      const last = r.points[r.points.length - 1];
      await store.finishRun(begun.run.id, { status: r.status, steps: last?.step ?? 0, wallSeconds: last?.wall ?? 0 });
    }
    ids.push(begun.run.id);
  }
  return ids;
}

/**
 * Plausible-looking synthetic runs for looking at plots: loss a * (step + 1)^-b + c with per-seed
 * scatter, per-step times with evaluation overhead; one run of `divergeOptimiser` diverges.
 */
export function syntheticRuns(options: {
  experiment: string;
  optimisers: { name: string; preset?: string; a: number; b: number; c: number; secondsPerStep: number }[];
  seeds: number;
  steps: number;
  divergeOptimiser?: string;
}): HandRun[] {
  const out: HandRun[] = [];
  for (const o of options.optimisers) {
    for (let seed = 0; seed < options.seeds; seed++) {
      const rng = new Rng(seed * 1000 + o.name.length * 17 + (o.preset?.length ?? 0));
      const scale = Math.exp(0.3 * rng.normal());
      const diverges = o.name === options.divergeOptimiser && seed === 0;
      const points: Point[] = [];
      let wall = 0;
      let compute = 0;
      for (let step = 0; step < options.steps; step++) {
        const dt = o.secondsPerStep * (1 + 0.1 * rng.uniform());
        const evalTime = 0.3 * o.secondsPerStep;
        compute += dt;
        wall += dt + evalTime;
        const base = o.a * scale * (step + 1) ** -o.b + o.c;
        const noisy = (f: number) => base * f * Math.exp(0.05 * rng.normal());
        if (diverges && step >= options.steps / 3) {
          points.push({ step, wall, compute, train: NaN, val: NaN, test: NaN });
          break;
        }
        points.push({ step, wall, compute, train: noisy(1), val: noisy(1.2), test: noisy(1.25) });
      }
      out.push({
        experiment: options.experiment,
        optimiser: o.name,
        preset: o.preset ?? null,
        seed,
        status: diverges ? 'diverged' : 'completed',
        points,
      });
    }
  }
  return out;
}
