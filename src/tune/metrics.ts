/** The metrics a study can optimise: store keys, which way is better, and where a step record holds them. */
import { METRIC_KEYS } from '../store/types.js';
import type { StepRecord } from '../train/types.js';

export const TUNE_METRICS = {
  [METRIC_KEYS.valLoss]: { mode: 'min', title: 'validation loss', of: (r: StepRecord) => r.valLoss },
  [METRIC_KEYS.trainLoss]: { mode: 'min', title: 'training loss', of: (r: StepRecord) => r.trainLoss },
  [METRIC_KEYS.valAccuracy]: { mode: 'max', title: 'validation accuracy', of: (r: StepRecord) => r.valAccuracy },
} as const satisfies Record<string, { mode: 'min' | 'max'; title: string; of: (r: StepRecord) => number | undefined }>;

export type TuneMetric = keyof typeof TUNE_METRICS;

export function isTuneMetric(name: string): name is TuneMetric {
  return Object.prototype.hasOwnProperty.call(TUNE_METRICS, name);
}

/** The metric's value at this step, or undefined where it was not measured. */
export function metricOf(r: StepRecord, metric: string): number | undefined {
  if (!isTuneMetric(metric)) throw new Error(`unknown tuning metric '${metric}'; allowed: ${Object.keys(TUNE_METRICS).join(', ')}`);
  return TUNE_METRICS[metric].of(r);
}
