// Runs `sfn data ...` through registerDataCommand alone, so the CLI tests do not depend on main.ts.
import { Command } from 'commander';
import { registerDataCommand } from '../../../src/cli/data.js';

const program = new Command('sfn');
registerDataCommand(program);
await program.parseAsync(process.argv);
