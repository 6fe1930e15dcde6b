import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { integerOption, numberOption } from './options.js';
import { runAcceleratorComparison } from '../optim/series/accelerator-comparison.js';
import type { ComparisonResult } from '../optim/series/accelerator-comparison.js';
import { comparisonCsv, comparisonPlots, displayName } from '../optim/series/accelerator-comparison-report.js';
import { renderPlotGrid } from '../report/svg-plot.js';

export interface AccelCommandOptions {
  out: string;
  seed: number;
  steps: number;
  size: number;
  damping: number;
  /** V, or undefined for lambda_max(H^2) */
  v?: number;
}

export interface AccelCommandOutput {
  csvPath: string;
  svgPath: string;
  summaryPath: string;
  result: ComparisonResult;
}

/**
 * `sfn accel`: the paper's Figure 10 — a seeded random symmetric matrix, the exact saddle-free update
 * by eigendecomposition, the series for `steps` steps, and every accelerator at orders 1 and 2,
 * compared by cosine similarity and 2-norm. Writes accel.csv, accel.svg and summary.json.
 */
export function registerAccelCommand(program: Command): void {
  program
    .command('accel')
    .description("compare the series accelerators against the exact saddle-free update (the paper's Figure 10)")
    .option('--out <dir>', 'output folder for accel.csv, accel.svg and summary.json', 'runs/accel')
    .option('--seed <integer>', 'seed for the random matrix and gradient', integerOption('--seed', 0), 0)
    .option('--steps <integer>', 'series steps (partial sums) to compute', integerOption('--steps', 1), 1000)
    .option('--size <integer>', 'size of the random symmetric matrix', integerOption('--size', 2), 100)
    .option('--damping <number>', 'damping lambda: compare with (|H| + lambda I)^{-1} g', numberOption('--damping', 0, true), 0)
    .option('--v <number>', 'series scale factor V (default: the largest eigenvalue of H^2)', numberOption('--v', 0, false))
    .action(async (opts: AccelCommandOptions) => {
      const output = await runAccelCommand(opts);
      const { result } = output;
      const log = (line: string): void => void process.stdout.write(line + '\n');
      log(`target 2-norm ${result.targetNorm.toFixed(4)}, V ${result.V.toFixed(3)}, eigenvalues in [${result.eigenvalueRange.map((x) => x.toFixed(3)).join(', ')}], smallest |eigenvalue| ${result.smallestAbsEigenvalue.toExponential(3)}`);
      log(`at the last step (${opts.steps - 1}):`);
      for (const r of result.rows.filter((x) => x.step === opts.steps - 1 && x.method !== 'target')) {
        log(`  ${displayName(r.method, r.order).padEnd(26)} cosine ${r.cosine.toFixed(4)}  2-norm ${r.norm.toFixed(4)}`);
      }
      const fallbacks = Object.entries(result.fallbacks).filter(([, n]) => n > 0);
      log(fallbacks.length ? `fallbacks to the raw partial sum: ${fallbacks.map(([k, n]) => `${k} ${n}`).join(', ')}` : 'no accelerator fell back');
      log(`wrote ${output.csvPath}, ${output.svgPath}, ${output.summaryPath}`);
    });
}

export async function runAccelCommand(options: AccelCommandOptions): Promise<AccelCommandOutput> {
  const result = await runAcceleratorComparison({
    seed: options.seed,
    size: options.size,
    steps: options.steps,
    damping: options.damping,
    V: options.v,
  });
  const dir = resolve(options.out);
  mkdirSync(dir, { recursive: true });
  const csvPath = join(dir, 'accel.csv');
  const svgPath = join(dir, 'accel.svg');
  const summaryPath = join(dir, 'summary.json');
  writeFileSync(csvPath, comparisonCsv(result));
  const subtitle = `${options.size}×${options.size}, seed ${options.seed}${options.damping > 0 ? `, λ = ${options.damping}` : ''}`;
  writeFileSync(svgPath, renderPlotGrid(comparisonPlots(result, subtitle), { columns: 2 }));
  const last = result.rows.filter((r) => r.step === options.steps - 1);
  const summary = {
    seed: options.seed,
    size: options.size,
    steps: options.steps,
    damping: options.damping,
    V: result.V,
    targetNorm: result.targetNorm,
    eigenvalueRange: result.eigenvalueRange,
    smallestAbsEigenvalue: result.smallestAbsEigenvalue,
    fallbacks: result.fallbacks,
    lastStep: Object.fromEntries(last.map((r) => [displayName(r.method, r.order), { cosine: r.cosine, norm: r.norm }])),
  };
  writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  return { csvPath, svgPath, summaryPath, result };
}

