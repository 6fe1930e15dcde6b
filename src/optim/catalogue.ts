/**
 * Every optimiser sfn knows: its config name and the paper's title, in the paper's Table 5 order.
 * Plain data, loaded without TensorFlow.js or zod, so that the report's tables and the command-line
 * help can name optimisers cheaply. Each entry has exactly one descriptor (registry.ts; the compiler
 * checks that none is missing or extra), which takes its name and title from here.
 */
export const OPTIMISER_CATALOGUE = [
  { name: 'ours', title: 'Ours' },
  { name: 'ours-adaptive', title: 'Ours (Adaptive)' },
  { name: 'sgd', title: 'SGD' },
  { name: 'adam', title: 'Adam' },
  { name: 'kfac-kazuki', title: 'KFAC (Kazuki)' },
  { name: 'kfac-deepmind', title: 'KFAC (DeepMind)' },
  { name: 'exact-sfn', title: 'Exact SFN' },
  { name: 'exact-sfn-adaptive', title: 'Exact SFN (Adaptive)' },
  { name: 'lbfgs', title: 'LBFGS' },
] as const;

export type OptimiserName = (typeof OPTIMISER_CATALOGUE)[number]['name'];

type CatalogueEntry<N extends OptimiserName> = Extract<(typeof OPTIMISER_CATALOGUE)[number], { name: N }>;

/** every optimiser a config may name, in the paper's order */
export const OPTIMISER_NAMES = OPTIMISER_CATALOGUE.map((e) => e.name) as unknown as readonly [OptimiserName, ...OptimiserName[]];

/** The catalogue entry of `name`: a descriptor spreads it (`...catalogued('ours')`) for its name and title. */
export function catalogued<const N extends OptimiserName>(name: N): CatalogueEntry<N> {
  return OPTIMISER_CATALOGUE.find((e) => e.name === name) as CatalogueEntry<N>;
}

export function isOptimiserName(name: unknown): name is OptimiserName {
  return typeof name === 'string' && (OPTIMISER_NAMES as readonly string[]).includes(name);
}
