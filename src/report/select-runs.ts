import type { Store } from '../store/index.js';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../store/types.js';
import { describeDifferences } from './differences.js';
import { algorithmOrder, algorithmTitle, runLabel, settingOrder, settingTitle } from './names.js';

/** Statuses a report includes unless asked otherwise: the finished outcomes. */
export const DEFAULT_STATUSES: readonly RunStatus[] = ['completed', 'diverged'];

export interface RunSelection {
  /** experiment names; all when absent */
  experiments?: readonly string[];
  /** optimiser names ("ours") or labels with preset ("ours:paper"); all when absent */
  optimisers?: readonly string[];
  statuses?: readonly RunStatus[];
}

/**
 * The runs of one (experiment, optimiser, preset, configuration): one row of the tables, one line of
 * a plot. Runs of an entry whose hyperparameters were edited between runs are never pooled.
 */
export interface RunGroup {
  experimentId: number;
  experiment: string;
  /** the setting's display name (the paper's, where known), with what differs when its name was recorded under several settings: unique per experiment id */
  setting: string;
  optimiser: string;
  preset: string | null;
  /** "ours:paper" */
  label: string;
  /** "Ours [paper]"; with what differs ("Adam {lr 0.01}") when the entry was run under several configurations */
  title: string;
  configHash: string;
  runs: RunRecord[];
}

export interface Selected {
  groups: RunGroup[];
  /** runs that match the experiment and optimiser filters but not the status filter, by status */
  excluded: Partial<Record<RunStatus, number>>;
}

/**
 * The store's runs that pass the filters, grouped per (experiment, optimiser, preset) in the
 * paper's order. Throws, naming what is recorded, when a named experiment or optimiser has no runs.
 */
export async function selectRuns(store: Store, selection: RunSelection = {}): Promise<Selected> {
  const statuses = selection.statuses ?? DEFAULT_STATUSES;
  for (const s of statuses) {
    if (!(RUN_STATUSES as readonly string[]).includes(s)) {
      throw new Error(`unknown run status '${s}'; use one of ${RUN_STATUSES.join(', ')}`);
    }
  }
  const all = await store.listRuns();
  const experiments = selection.experiments;
  if (experiments) {
    const known = [...new Set(all.map((r) => r.experiment))];
    const unknown = experiments.filter((e) => !known.includes(e));
    if (unknown.length) {
      throw new Error(
        `no runs of experiment ${unknown.map((e) => `'${e}'`).join(', ')} in ${store.location}; ` +
          `recorded: ${known.length ? known.join(', ') : 'none'}`,
      );
    }
  }
  const inExperiments = experiments ? all.filter((r) => experiments.includes(r.experiment)) : all;
  const optimisers = selection.optimisers;
  if (optimisers) {
    const known = [...new Set(inExperiments.flatMap((r) => [r.optimiser, runLabel(r.optimiser, r.preset)]))];
    const unknown = optimisers.filter((o) => !known.includes(o));
    if (unknown.length) {
      throw new Error(
        `no runs of optimiser ${unknown.map((o) => `'${o}'`).join(', ')} in ${store.location}` +
          `${experiments ? ` for ${experiments.join(', ')}` : ''}; recorded: ${known.length ? known.sort().join(', ') : 'none'}`,
      );
    }
  }
  const matching = optimisers
    ? inExperiments.filter((r) => optimisers.includes(r.optimiser) || optimisers.includes(runLabel(r.optimiser, r.preset)))
    : inExperiments;

  const excluded: Partial<Record<RunStatus, number>> = {};
  const kept: RunRecord[] = [];
  for (const r of matching) {
    if (statuses.includes(r.status)) kept.push(r);
    else excluded[r.status] = (excluded[r.status] ?? 0) + 1;
  }

  // one experiment name recorded under several settings: each is named by what differs ("UCI Energy (300 epochs)")
  const settingLabels = await settingDifferences(store, all);
  const entryKey = (r: RunRecord): string => `${r.experimentId}\u0000${r.optimiser}\u0000${r.preset ?? ''}`;
  const configsPerEntry = new Map<string, Map<string, unknown>>();
  for (const r of kept) configsPerEntry.set(entryKey(r), (configsPerEntry.get(entryKey(r)) ?? new Map()).set(r.configHash, r.config));
  const configLabels = new Map([...configsPerEntry].map(([k, configs]) => [k, describeDifferences(configs)]));
  const byKey = new Map<string, RunGroup>();
  for (const r of kept) {
    const key = `${entryKey(r)}\u0000${r.configHash}`;
    let g = byKey.get(key);
    if (!g) {
      const setting = settingLabels.get(r.experimentId);
      const config = configLabels.get(entryKey(r))?.get(r.configHash);
      g = {
        experimentId: r.experimentId,
        experiment: r.experiment,
        setting: settingTitle(r.experiment) + (setting ? ` (${setting})` : ''),
        optimiser: r.optimiser,
        preset: r.preset,
        label: runLabel(r.optimiser, r.preset),
        title: algorithmTitle(r.optimiser, r.preset) + (config ? ` {${config}}` : ''),
        configHash: r.configHash,
        runs: [],
      };
      byKey.set(key, g);
    }
    g.runs.push(r);
  }
  const groups = [...byKey.values()].sort(
    (a, b) =>
      settingOrder(a.experiment) - settingOrder(b.experiment) ||
      a.setting.localeCompare(b.setting, 'en', { numeric: true }) ||
      a.experimentId - b.experimentId ||
      algorithmOrder(a.optimiser) - algorithmOrder(b.optimiser) ||
      a.optimiser.localeCompare(b.optimiser) ||
      (a.preset ?? '').localeCompare(b.preset ?? '') ||
      a.configHash.localeCompare(b.configHash),
  );
  return { groups, excluded };
}

/**
 * For experiments whose name was recorded under several settings (all runs, not only the selected
 * ones, so a label does not change with the filters): what differs between those settings.
 */
async function settingDifferences(store: Store, all: readonly RunRecord[]): Promise<Map<number, string>> {
  const idsPerName = new Map<string, Set<number>>();
  for (const r of all) idsPerName.set(r.experiment, (idsPerName.get(r.experiment) ?? new Set()).add(r.experimentId));
  const labels = new Map<number, string>();
  if (![...idsPerName.values()].some((ids) => ids.size > 1)) return labels;
  const configs = new Map((await store.listExperiments()).map((e) => [e.id, e.config]));
  for (const ids of idsPerName.values()) {
    if (ids.size < 2) continue;
    for (const [id, label] of describeDifferences(new Map([...ids].map((id) => [id, configs.get(id)])))) labels.set(id, label);
  }
  return labels;
}
