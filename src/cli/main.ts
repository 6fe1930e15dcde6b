import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { registerDataCommand } from './data.js';
import { registerRunCommand } from './run.js';
import { registerTuneCommand } from './tune.js';
import { registerAccelCommand } from './accel.js';
import { registerReportCommand } from './report.js';
import { registerCheckHvpCommand } from './check-hvp.js';
import { registerDumpHvpCommand } from './dump-hvp.js';

const version = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

const program = new Command();
program
  .name('sfn')
  .description('Saddle-free Newton optimisation by series of Hessian-vector products (TensorFlow.js)')
  .version(version)
  .exitOverride();

registerDataCommand(program);
registerRunCommand(program);
registerTuneCommand(program);
registerAccelCommand(program);
registerReportCommand(program);
registerCheckHvpCommand(program);
registerDumpHvpCommand(program);

/** `sfn run --help` for an error in `sfn run ...`: the first argument that names a command (and its subcommand) */
function helpCommandFor(argv: readonly string[]): string {
  const words = ['sfn'];
  let command: Command = program;
  for (const arg of argv) {
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) continue;
    words.push(sub.name());
    command = sub;
  }
  return `${words.join(' ')} --help`;
}

// Commander's own errors (unknown option, bad value, missing argument) are one line plus where to look, not the whole usage text.
const QUIET_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help', 'commander.executeSubCommandAsync']);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    if (!QUIET_CODES.has(err.code) && err.exitCode !== 0) process.stderr.write(`see \`${helpCommandFor(process.argv.slice(2))}\`\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`sfn: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.SFN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
