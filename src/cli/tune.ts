/**
 * `sfn tune [config] --algo <optimiser> --budget <b>`: ASHA over random configurations of the
 * optimiser's search space, every trial recorded in the results database like an `sfn run` run.
 * The same command again resumes the study (also after kill -9); several processes may run one
 * study at once, on one machine or (with a --storage server) many. At the end: the top trials and
 * the best configuration as a YAML optimiser entry.
 * This file only declares the command; tune-command.ts (loaded when it runs) does the work.
 */
import { Option, type Command } from 'commander';
import { OPTIMISER_NAMES } from '../optim/catalogue.js';
import { TIME_ATTRIBUTES, type TimeAttribute } from '../store/study-types.js';
import { TUNE_METRICS, type TuneMetric } from '../tune/metrics.js';
import { integerOption, numberOption } from './options.js';
import { storageOptions, type LivenessFlags, type StorageFlags } from './storage.js';

export interface TuneCliOptions extends StorageFlags, LivenessFlags {
  algo?: string;
  join?: string;
  budget?: string;
  grace?: string;
  reduction: number;
  samples: number;
  timeAttr: TimeAttribute;
  metric: TuneMetric;
  seed: number;
  study?: string;
  workers: number;
  backend?: string;
  dataDir?: string;
  mirror?: string;
  json?: boolean;
}

export function registerTuneCommand(program: Command): void {
  const command = program
    .command('tune')
    .description('ASHA over random configurations of an optimiser\'s search space; the same command again resumes the study')
    .argument('[config]', 'experiment YAML (default: the embedded configs/uci-energy.yaml)')
    .option('--algo <optimiser>', `the optimiser to tune: ${OPTIMISER_NAMES.join(', ')} (required unless --join)`)
    .option('--join <study>', 'work on this existing study with its stored settings (e.g. on another machine, with --storage), instead of a config and --algo')
    .option('--budget <b>', 'max_t per configuration: a duration (30s, 5m, 2h) for --time-attr time, else a count (default: the paper\'s, 5m for UCI Energy and Fashion-MNIST, 45m SVHN, 2h CIFAR-10)')
    .option('--grace <g>', 'grace period, the first rung, in the budget\'s units (default 30s; budget / 10 for steps or epochs)')
    .option('--reduction <rf>', 'reduction factor: rungs at grace * rf^k, 1/rf of the trials promoted', numberOption('--reduction', 1, false), 4)
    .option('--samples <n>', 'random configurations (trials)', integerOption('--samples', 1), 100)
    .addOption(new Option('--time-attr <attr>', 'what the budget measures: the trial\'s wall-clock seconds (evaluation included, as the paper), its steps or its epochs').choices([...TIME_ATTRIBUTES]).default('time'))
    .addOption(new Option('--metric <key>', 'what ASHA compares (the last value at each report)').choices(Object.keys(TUNE_METRICS)).default('val_loss'))
    .option('--seed <n>', 'seed of the configuration sampler', integerOption('--seed', 0), 0)
    .option('--study <name>', 'the study\'s name (default <experiment>-<algo>)')
    .option('--workers <n>', 'trials in parallel, each in its own worker process', integerOption('--workers', 1), 1);
  storageOptions(command, true)
    .option('--backend <name>', 'wasm, cpu, tensorflow, tensorflow-gpu or webgpu (default: $SFN_BACKEND, else wasm)')
    .option('--data-dir <dir>', 'dataset cache folder (default: $SFN_DATA_DIR, else ./datasets)')
    .option('--mirror <url-or-dir>', 'fetch dataset files from <mirror>/<dataset>/<file> (default: $SFN_DATA_MIRROR)')
    .option('--json', 'also print the outcome as one JSON object on the last line of stdout')
    .action(async (config: string | undefined, opts: TuneCliOptions, cmd: Command) => {
      const { tuneCommand } = await import('./tune-command.js');
      await tuneCommand(config, opts, cmd);
    });
}

