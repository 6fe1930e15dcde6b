import { OPTIMISER_CATALOGUE } from '../optim/catalogue.js';

/**
 * How settings (experiments) and algorithms (optimisers) are named in tables and plots: the
 * paper's names where we know them, in the paper's Table 5 order (the optimisers' titles and order
 * come from the optimiser catalogue, whose entries the descriptors take theirs from).
 */

const SETTINGS: readonly { key: string; title: string }[] = [
  { key: 'ucienergy', title: 'UCI Energy' },
  { key: 'fashionmnist', title: 'Fashion-MNIST' },
  { key: 'svhn', title: 'SVHN' },
  { key: 'cifar10', title: 'CIFAR-10' },
];

const ALGORITHMS: readonly { name: string; title: string }[] = OPTIMISER_CATALOGUE;

/** 'UCI-Energy', 'uci_energy' and 'ucienergy' are one setting. */
export function settingKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The paper's name of a known setting, else the experiment's own name. */
export function settingTitle(experiment: string): string {
  return SETTINGS.find((s) => s.key === settingKey(experiment))?.title ?? experiment;
}

/** The paper's name of an optimiser, with the preset in brackets: "Ours (Adaptive) [code]". */
export function algorithmTitle(optimiser: string, preset: string | null): string {
  const title = ALGORITHMS.find((a) => a.name === optimiser)?.title ?? optimiser;
  return preset ? `${title} [${preset}]` : title;
}

/** The plain optimiser title, without preset (the paper's row it compares with). */
export function paperAlgorithmTitle(optimiser: string): string | undefined {
  return ALGORITHMS.find((a) => a.name === optimiser)?.title;
}

/** Sort rank of a setting: the paper's order first, then by name. */
export function settingOrder(experiment: string): number {
  const i = SETTINGS.findIndex((s) => s.key === settingKey(experiment));
  return i < 0 ? SETTINGS.length : i;
}

/** Sort rank of an optimiser: the paper's order first, then by name. */
export function algorithmOrder(optimiser: string): number {
  const i = ALGORITHMS.findIndex((a) => a.name === optimiser);
  return i < 0 ? ALGORITHMS.length : i;
}

/** The label the CLI and the run store use: "ours:paper", or the bare name without a preset. */
export function runLabel(optimiser: string, preset: string | null): string {
  return preset ? `${optimiser}:${preset}` : optimiser;
}
