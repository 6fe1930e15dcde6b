import path from 'node:path';
import { packageRoot } from '../util/package-root.js';

/** The experiment `sfn run` and `sfn tune` use when no config is named: UCI Energy, which runs in minutes on any CPU. */
export const DEFAULT_EXPERIMENT = 'configs/uci-energy.yaml';

/** The shipped default experiment file, wherever sfn is installed. */
export function defaultExperimentPath(): string {
  return path.join(packageRoot(), DEFAULT_EXPERIMENT);
}

/**
 * The config file a command should load: the one named, else the default experiment, reported
 * through `say` so the user knows which file ran.
 */
export function resolveConfigArgument(config: string | undefined, say: (line: string) => void): string {
  if (config !== undefined && config !== '') return config;
  const file = defaultExperimentPath();
  say(`no config named: using the default experiment ${DEFAULT_EXPERIMENT} (UCI Energy)`);
  return file;
}
