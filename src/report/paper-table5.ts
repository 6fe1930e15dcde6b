/**
 * The paper's Table 5 (Appendix B.1, "Tabulated Results"): median over bootstrap samples of 50
 * seeds of the final training, test and validation losses, medians to four significant figures and
 * errors to two, as printed (paper/series-of-hessian-vector-products.txt, Table 5).
 * Every row of the table is here: UCI Energy and Fashion-MNIST (what we compare first) and also SVHN
 * and CIFAR-10. Values are [median, error].
 */
import { plural } from '../util/plural.js';

export interface PaperRow {
  setting: 'UCI Energy' | 'Fashion-MNIST' | 'SVHN' | 'CIFAR-10';
  algorithm: string;
  training: readonly [number, number];
  test: readonly [number, number];
  validation: readonly [number, number];
}

export const PAPER_TABLE5_SOURCE =
  'Oldewage, Clarke & Hernández-Lobato, "Series of Hessian-Vector Products for Tractable Saddle-Free Newton Optimisation of Neural Networks", TMLR 02/2024, Table 5';

export const PAPER_TABLE5: readonly PaperRow[] = [
  { setting: 'UCI Energy', algorithm: 'Ours', training: [0.006459, 0.005], test: [0.007087, 0.0066], validation: [0.0104, 0.0083] },
  { setting: 'UCI Energy', algorithm: 'Ours (Adaptive)', training: [0.001029, 4e-5], test: [0.001678, 9.5e-5], validation: [0.002165, 0.00012] },
  { setting: 'UCI Energy', algorithm: 'SGD', training: [0.001947, 0.0002], test: [0.002361, 0.00025], validation: [0.003191, 0.00038] },
  { setting: 'UCI Energy', algorithm: 'Adam', training: [0.000657, 4e-5], test: [0.00113, 8.9e-5], validation: [0.001571, 0.00011] },
  { setting: 'UCI Energy', algorithm: 'KFAC (Kazuki)', training: [0.5018, 0.00056], test: [881.8, 6.2e2], validation: [904.1, 8.1e2] },
  { setting: 'UCI Energy', algorithm: 'KFAC (DeepMind)', training: [0.000714, 0.00012], test: [0.006663, 0.0024], validation: [0.008849, 0.0031] },
  { setting: 'UCI Energy', algorithm: 'Exact SFN', training: [0.0005019, 2.4e-5], test: [0.0015, 9.2e-5], validation: [0.001994, 9.7e-5] },
  { setting: 'UCI Energy', algorithm: 'Exact SFN (Adaptive)', training: [0.0004941, 1.4e-5], test: [0.001045, 3.7e-5], validation: [0.001407, 3.4e-5] },
  { setting: 'UCI Energy', algorithm: 'LBFGS', training: [0.002619, 0.00051], test: [0.002929, 0.00081], validation: [0.004161, 0.00069] },
  { setting: 'Fashion-MNIST', algorithm: 'Ours', training: [0.237, 0.0061], test: [0.3691, 0.00081], validation: [0.3423, 0.00065] },
  { setting: 'Fashion-MNIST', algorithm: 'Ours (Adaptive)', training: [0.233, 0.0054], test: [0.3684, 0.0009], validation: [0.3429, 0.0011] },
  { setting: 'Fashion-MNIST', algorithm: 'SGD', training: [0.2762, 0.0024], test: [0.3693, 0.00062], validation: [0.3436, 0.00053] },
  { setting: 'Fashion-MNIST', algorithm: 'Adam', training: [0.2425, 0.0054], test: [0.3582, 0.00086], validation: [0.3312, 0.00036] },
  { setting: 'Fashion-MNIST', algorithm: 'KFAC (Kazuki)', training: [0.2375, 0.0019], test: [0.3566, 0.0006], validation: [0.3328, 0.00078] },
  { setting: 'Fashion-MNIST', algorithm: 'KFAC (DeepMind)', training: [0.09567, 0.0027], test: [0.4423, 0.0023], validation: [0.4222, 0.0022] },
  { setting: 'SVHN', algorithm: 'Ours', training: [0.1573, 0.0049], test: [0.583, 0.0033], validation: [0.5205, 0.0021] },
  { setting: 'SVHN', algorithm: 'Ours (Adaptive)', training: [0.4757, 0.014], test: [0.6901, 0.0041], validation: [0.6335, 0.0036] },
  { setting: 'SVHN', algorithm: 'SGD', training: [0.1979, 0.0036], test: [0.5113, 0.0024], validation: [0.4503, 0.0024] },
  { setting: 'SVHN', algorithm: 'Adam', training: [0.2082, 0.0042], test: [0.5029, 0.0045], validation: [0.4514, 0.004] },
  { setting: 'SVHN', algorithm: 'KFAC (Kazuki)', training: [0.09535, 0.006], test: [0.7036, 0.0047], validation: [0.6288, 0.0048] },
  { setting: 'SVHN', algorithm: 'KFAC (DeepMind)', training: [0.007294, 0.00078], test: [0.6854, 0.0026], validation: [0.6288, 0.0035] },
  { setting: 'CIFAR-10', algorithm: 'Ours', training: [1.275, 0.009], test: [1.497, 0.00098], validation: [1.504, 0.0019] },
  { setting: 'CIFAR-10', algorithm: 'Ours (Adaptive)', training: [0.7614, 0.02], test: [1.595, 0.0084], validation: [1.596, 0.0076] },
  { setting: 'CIFAR-10', algorithm: 'SGD', training: [0.9871, 0.0027], test: [1.597, 0.017], validation: [1.617, 0.014] },
  { setting: 'CIFAR-10', algorithm: 'Adam', training: [0.01125, 0.0012], test: [3.803, 0.0091], validation: [3.761, 0.012] },
  { setting: 'CIFAR-10', algorithm: 'KFAC (Kazuki)', training: [0.03947, 0.0011], test: [3.29, 0.0075], validation: [3.226, 0.013] },
  { setting: 'CIFAR-10', algorithm: 'KFAC (DeepMind)', training: [0.01466, 0.0012], test: [1.727, 0.019], validation: [1.683, 0.019] },
];

/** Epochs of a full run in the paper's settings (REFERENCE.md; Appendix A.3). */
const PAPER_EPOCHS: Record<PaperRow['setting'], number> = { 'UCI Energy': 6000, 'Fashion-MNIST': 10, SVHN: 10, 'CIFAR-10': 72 };

/**
 * Why a run's configuration is not the paper's setting (fewer epochs, a step or time budget), or
 * undefined when it is: only such runs are compared with the paper's numbers.
 */
export function paperSettingMismatch(setting: string, config: unknown): string | undefined {
  const epochs = PAPER_EPOCHS[setting as PaperRow['setting']];
  if (epochs === undefined) return undefined;
  const c = (config ?? {}) as { epochs?: unknown; maxSteps?: unknown; timeBudgetSeconds?: unknown };
  if (c.epochs !== epochs) return `${typeof c.epochs === 'number' ? plural(c.epochs, 'epoch') : `${String(c.epochs)} epochs`}, the paper ran ${epochs}`;
  if (c.maxSteps != null) return `stopped after ${typeof c.maxSteps === 'number' ? plural(c.maxSteps, 'step') : `${String(c.maxSteps)} steps`}`;
  if (c.timeBudgetSeconds != null) return `a time budget of ${String(c.timeBudgetSeconds)} s`;
  return undefined;
}

/** The paper's row for a setting title and a plain algorithm title (see names.ts), if it has one. */
export function paperRow(setting: string, algorithm: string | undefined): PaperRow | undefined {
  if (algorithm === undefined) return undefined;
  return PAPER_TABLE5.find((r) => r.setting === setting && r.algorithm === algorithm);
}
