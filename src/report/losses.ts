import { METRIC_KEYS } from '../store/types.js';

/** The three losses the tables report, in Table 5's column order, with their metric keys. */
export const LOSSES = [
  { id: 'training', key: METRIC_KEYS.trainLoss, title: 'Training Loss' },
  { id: 'test', key: METRIC_KEYS.testLoss, title: 'Test Loss' },
  { id: 'validation', key: METRIC_KEYS.valLoss, title: 'Validation Loss' },
] as const;

export type LossId = (typeof LOSSES)[number]['id'];

/** The losses the plots and the ranking show (Figures 2-8 and 5: training and test). */
export const PLOTTED_LOSSES: readonly LossId[] = ['training', 'test'];

export function lossInfo(id: LossId): (typeof LOSSES)[number] {
  return LOSSES.find((l) => l.id === id)!;
}
