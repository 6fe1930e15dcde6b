/**
 * `sfn run [config]`: trains every (optimiser, seed) pair of an experiment file, records every step
 * in the results store, and prints a summary per optimiser. Reruns skip finished runs and redo
 * unfinished ones; Ctrl-C stops after the current step and marks that run interrupted. The same
 * command on several machines with one --storage server splits the runs between them.
 * This file only declares the command; run-command.ts (loaded when it runs) does the work, so that
 * `sfn --help` does not load TensorFlow.js.
 */
import type { Command } from 'commander';
import { DEFAULT_EXPERIMENT } from '../config/default-experiment.js';
import { collectNames } from './options.js';
import { storageOptions, type LivenessFlags, type StorageFlags } from './storage.js';

export interface RunOptions extends StorageFlags, LivenessFlags {
  optimiser?: string[];
  seeds?: string;
  epochs?: string;
  maxSteps?: string;
  workers: string;
  backend?: string;
  dataDir?: string;
  mirror?: string;
  json?: boolean;
  fromStudy?: string;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('train every (optimiser, seed) pair of an experiment file, recording every step in the results database')
    .argument('[config]', `experiment YAML, e.g. configs/fashion-mnist.yaml (default: ${DEFAULT_EXPERIMENT}, built in)`)
    .option('--optimiser <names>', 'only these entries: names (sgd) or labels with a preset (ours:code); comma-separated or repeated', collectNames)
    .option('--seeds <n|list>', 'a count n (seeds 0..n-1) or a comma-separated list of seeds, instead of the file\'s')
    .option('--epochs <n>', 'epochs per run, instead of the file\'s')
    .option('--max-steps <n>', 'stop each run after n optimiser steps')
    .option('--workers <n>', 'runs in parallel, each in its own worker process', '1');
  storageOptions(command, true)
    .option('--backend <name>', 'wasm, cpu, tensorflow, tensorflow-gpu or webgpu (default: $SFN_BACKEND, else wasm)')
    .option('--data-dir <dir>', 'dataset cache folder (default: $SFN_DATA_DIR, else ./datasets)')
    .option('--mirror <url-or-dir>', 'fetch dataset files from <mirror>/<dataset>/<file> (default: $SFN_DATA_MIRROR)')
    .option('--json', 'also print the summary as one JSON object on the last line of stdout')
    .option('--from-study <study>', 'run the best configuration of this `sfn tune` study (preset tuned) instead of the file\'s optimisers')
    .action(async (config: string | undefined, opts: RunOptions, cmd: Command) => {
      const { runCommand } = await import('./run-command.js');
      await runCommand(config, opts, cmd);
    });
}

