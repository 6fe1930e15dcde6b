import '../util/chained-ops.js';
import { Command, CommanderError } from 'commander';
import { registerDataCommand } from './data.js';
import { registerRunCommand } from './run.js';
import { registerTuneCommand } from './tune.js';
import { registerAccelCommand } from './accel.js';
import { registerReportCommand } from './report.js';
import { registerCheckHvpCommand } from './check-hvp.js';
import { registerDumpHvpCommand } from './dump-hvp.js';

const program = new Command();
program
  .name('sfn')
  .description('Saddle-free Newton optimisation by series of Hessian-vector products (TensorFlow.js)')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerDataCommand(program);
registerRunCommand(program);
registerTuneCommand(program);
registerAccelCommand(program);
registerReportCommand(program);
registerCheckHvpCommand(program);
registerDumpHvpCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`sfn: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.SFN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
