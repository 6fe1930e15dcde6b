/**
 * The optimisers for use on your own model: each takes the fields of a config file's entry (the
 * defaults filled in and every value checked exactly as there) and returns an `Optimizer`:
 *
 *   const optimiser = oursAdaptive({ K: 16, N: 6, damping: 2.3e-3 });
 *   let state = optimiser.init(params);
 *   const { params: next, state: after, info } = await optimiser.step(objective, params, state);
 */
import type { OptimiserName } from '../optim/catalogue.js';
import { createOptimizer, type OptimizerContext } from '../optim/registry.js';
import type { Optimizer } from '../optim/optimizer.js';
import { parseHyperparameters, type HyperparameterInput } from './hyperparameters.js';

/** Any optimiser by its config name ('ours-adaptive', 'adam', ...). */
export function createOptimiser<N extends OptimiserName>(
  name: N,
  hyperparameters: HyperparameterInput<N>,
  context: Partial<OptimizerContext> = {},
): Optimizer {
  const hp = parseHyperparameters(name, hyperparameters);
  return createOptimizer({ name, hyperparameters: hp }, { parameterCount: context.parameterCount ?? 0, seed: context.seed ?? 0 });
}

export const sgd = (hp: HyperparameterInput<'sgd'>): Optimizer => createOptimiser('sgd', hp);
export const adam = (hp: HyperparameterInput<'adam'>): Optimizer => createOptimiser('adam', hp);
/** Ours: the series direction with a fixed learning rate and heavy-ball momentum */
export const ours = (hp: HyperparameterInput<'ours'>): Optimizer => createOptimiser('ours', hp);
/** Ours (Adaptive): the series direction, learning rate and momentum from the quadratic model, Levenberg-Marquardt damping */
export const oursAdaptive = (hp: HyperparameterInput<'ours-adaptive'>): Optimizer => createOptimiser('ours-adaptive', hp);
/** Exact SFN: the full Hessian's |eigenvalues| (small ones replaced), fixed learning rate and momentum; models of a few thousand parameters */
export const exactSfn = (hp: HyperparameterInput<'exact-sfn'>): Optimizer => createOptimiser('exact-sfn', hp);
/** Exact SFN (Adaptive): an EMA of the Hessian, the adaptive step rule */
export const exactSfnAdaptive = (hp: HyperparameterInput<'exact-sfn-adaptive'>): Optimizer => createOptimiser('exact-sfn-adaptive', hp);
/** L-BFGS as the paper ran it: one inner run (strong-Wolfe line search) per step */
export const lbfgs = (hp: HyperparameterInput<'lbfgs'> = {}): Optimizer => createOptimiser('lbfgs', hp);
/**
 * KFAC (DeepMind): kfac-jax's adaptive configuration (curvature EMA 0.95, learning rate and momentum
 * from the exact Fisher's quadratic model, Levenberg-Marquardt damping); needs a model Objective
 * (`modelObjective`: KFAC reads each layer's inputs and output gradients). `seed` seeds the sampled Fisher.
 */
export const kfacDeepmind = (hp: HyperparameterInput<'kfac-deepmind'>, context: Partial<OptimizerContext> = {}): Optimizer =>
  createOptimiser('kfac-deepmind', hp, context);
/** KFAC (Kazuki): kfac-jax with fixed learning rate, momentum and damping (curvature EMA 0); needs a model Objective */
export const kfacKazuki = (hp: HyperparameterInput<'kfac-kazuki'>, context: Partial<OptimizerContext> = {}): Optimizer =>
  createOptimiser('kfac-kazuki', hp, context);
