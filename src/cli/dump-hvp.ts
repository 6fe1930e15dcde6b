import type { Command } from 'commander';
import { CHECK_MODELS, parseCheckModel } from '../check/problem.js';
import { integerOption } from './options.js';

/**
 * `sfn dump-hvp --model <name> --seed <s> --out file.json`: a model, its parameters, a batch, a
 * direction and the engine's loss, gradient and H v, as JSON, for cross-checking elsewhere.
 */
export function registerDumpHvpCommand(program: Command): void {
  program
    .command('dump-hvp')
    .description('write a model, batch, direction v and the loss, gradient and H v as JSON for cross-checking in another framework')
    .requiredOption('--model <name>', `model to dump: ${CHECK_MODELS.join(', ')}`)
    .requiredOption('--out <file>', 'the JSON file to write')
    .option('--seed <integer>', 'seed for the parameters, the batch and the direction', integerOption('--seed', 0), 1)
    .option('--backend <name>', 'wasm (default), cpu, tensorflow, tensorflow-gpu or webgpu (or env SFN_BACKEND)')
    .action(async (opts: { model: string; out: string; seed: number; backend?: string }) => {
      const model = parseCheckModel(opts.model);
      const { describeBackend, formatBackend, initBackend } = await import('../backend/index.js'); // loaded only when computing
      await initBackend(opts.backend, { tapeGradients: false });
      process.stdout.write(`${formatBackend()}\n`);
      const { dumpHvp } = await import('../check/dump-hvp.js');
      const s = await dumpHvp(model, opts.seed, opts.out, describeBackend().name);
      const e = (x: number): string => x.toExponential(2);
      process.stdout.write(
        `wrote ${s.path}: ${s.model}, ${s.parameters} parameters, loss ${s.loss.toPrecision(8)}; ` +
          `against the float64 reference: loss ${e(s.reference.lossRelError)}, gradient ${e(s.reference.gradRelError)}, H v ${e(s.reference.hvpRelError)}\n`,
      );
    });
}
