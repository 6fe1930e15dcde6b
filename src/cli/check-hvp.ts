import type { Command } from 'commander';
import { CHECK_MODELS, parseCheckModel } from '../check/problem.js';
import { integerOption } from './options.js';

/**
 * `sfn check-hvp --model <name> [--backend b] [--json] [--seed s]`: the curvature engine against
 * the independent float64 reference; exit code 1 when an error is above its tolerance.
 */
export function registerCheckHvpCommand(program: Command): void {
  program
    .command('check-hvp')
    .description("check the engine's loss, gradient and Hessian-vector products against an independent float64 reference")
    .requiredOption('--model <name>', `model to check: ${CHECK_MODELS.join(', ')}`)
    .option('--backend <name>', 'wasm (default), cpu, tensorflow, tensorflow-gpu or webgpu (or env SFN_BACKEND)')
    .option('--seed <integer>', 'seed for the parameters, the batch and the directions', integerOption('--seed', 0), 1)
    .option('--json', 'print one JSON object instead of text')
    .action(async (opts: { model: string; backend?: string; seed: number; json?: boolean }) => {
      const model = parseCheckModel(opts.model); // before the backend: a bad name fails fast
      const { describeBackend, formatBackend, initBackend } = await import('../backend/index.js'); // loaded only when computing
      const { formatCheckHvpReport, runCheckHvp } = await import('../check/check-hvp.js');
      await initBackend(opts.backend, { tapeGradients: false });
      if (!opts.json) process.stdout.write(`${formatBackend()}\n`);
      const report = await runCheckHvp(model, opts.seed);
      if (opts.json) {
        const maxRelError = Math.max(...report.checks.map((c) => c.maxRelError));
        process.stdout.write(`${JSON.stringify({ backend: describeBackend(), maxRelError, ...report }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatCheckHvpReport(report).join('\n')}\n`);
      }
      if (!report.passed) process.exitCode = 1;
    });
}
