import { evaluateReference, hvpByFiniteDifference } from '../reference/index.js';
import { engineProducts } from './engine.js';
import { denseKernelEngineApplies, type ObjectiveEngine } from '../autodiff/model-objective.js';
import type { ModelDef } from '../models/zoo.js';
import type { HvpProblem } from './problem.js';
import { relativeError, scalarRelativeError } from './vectors.js';

/** The engine works in float32; against float64 it must agree to this relative error. */
export const FLOAT64_TOLERANCE = 1e-5;
/**
 * ResNet-18 (batch 8): 20 conv + batch-norm layers with sums of up to 4,608 float32 products per
 * output; measured 2e-6 (loss), 1.3e-5 (gradient), 2.6e-5 (H v). Ten times the H v error would
 * still catch any wrong term (a wrong layer gives O(1) errors), so the bound is 1e-4.
 */
export const RESNET_FLOAT64_TOLERANCE = 1e-4;
/** Exact forward-over-reverse and central differences inside the float64 reference must agree far better. */
export const REFERENCE_SELF_TOLERANCE = 1e-7;

export interface Float64CheckOptions {
  /** also difference the float64 gradient (default true; the slow part for ResNet-18) */
  finiteDifferences?: boolean;
  tolerance?: number;
  /** which engine computes the products (modelObjective's option; default 'auto') */
  engine?: ObjectiveEngine;
}

export interface DirectionReport {
  /** the error that counts: against the finite differences, or against the exact product without them */
  hvpRelError: number;
  /** ||Hv_engine - Hv_fd|| / ||Hv_fd||, Hv_fd = central differences of the float64 reference gradient */
  hvpRelErrorFd?: number;
  /** ||Hv_engine - Hv_exact|| / ||Hv_exact||, Hv_exact = float64 forward-over-reverse */
  hvpRelErrorExact: number;
  /** ||Hv_exact - Hv_fd|| / ||Hv_fd||: the reference agreeing with itself */
  referenceSelfError?: number;
  /** the finite-difference step along v */
  h?: number;
  /** distance along v to the nearest relu kink or max-pool tie (first order) */
  kinkMargin: number;
}

export interface Float64CheckReport {
  kind: 'float64-reference';
  model: string;
  /** the engine that computed the products: the layers' kernels, or the dense-chain kernel (MLPs on wasm) */
  engine: 'layers' | 'dense-kernel';
  seed: number;
  parameters: number;
  batchSize: number;
  maskedRows: number;
  loss: { engine: number; reference: number; relError: number };
  gradRelError: number;
  directions: DirectionReport[];
  /** the largest of the loss, gradient and H v errors against the reference */
  maxRelError: number;
  tolerance: number;
  passed: boolean;
}

/** Compares the engine's loss, gradient and H v with the float64 reference. */
export async function runFloat64Check(problem: HvpProblem, options: Float64CheckOptions = {}): Promise<Float64CheckReport> {
  const { def, params, batch, directions } = problem;
  const tolerance = options.tolerance ?? FLOAT64_TOLERANCE;
  const engine = await engineProducts(def, params, batch, directions, options.engine);
  const reference = evaluateReference(def, params, batch);
  const reports: DirectionReport[] = directions.map((v, i) => {
    const exact = evaluateReference(def, params, batch, v);
    const hvpRelErrorExact = relativeError(engine.hvps[i], exact.hvp);
    if (options.finiteDifferences === false) {
      return { hvpRelError: hvpRelErrorExact, hvpRelErrorExact, kinkMargin: exact.kinkMargin };
    }
    const fd = hvpByFiniteDifference(def, params, batch, v);
    const hvpRelErrorFd = relativeError(engine.hvps[i], fd.value);
    return {
      hvpRelError: hvpRelErrorFd,
      hvpRelErrorFd,
      hvpRelErrorExact,
      referenceSelfError: relativeError(exact.hvp, fd.value),
      h: fd.h,
      kinkMargin: fd.kinkMargin,
    };
  });
  const lossRelError = scalarRelativeError(engine.loss, reference.loss);
  const gradRelError = relativeError(engine.grad, reference.grad);
  const maxRelError = Math.max(lossRelError, gradRelError, ...reports.map((r) => r.hvpRelError));
  const selfOk = reports.every((r) => (r.referenceSelfError ?? 0) <= REFERENCE_SELF_TOLERANCE);
  return {
    kind: 'float64-reference',
    model: problem.model,
    engine: engineUsed(def, options.engine ?? 'auto'),
    seed: problem.seed,
    parameters: params.length,
    batchSize: batch.batchSize,
    maskedRows: batch.mask.filter((m) => m === 0).length,
    loss: { engine: engine.loss, reference: reference.loss, relError: lossRelError },
    gradRelError,
    directions: reports,
    maxRelError,
    tolerance,
    passed: maxRelError <= tolerance && selfOk,
  };
}

function engineUsed(def: ModelDef, engine: ObjectiveEngine): Float64CheckReport['engine'] {
  if (engine === 'auto') return denseKernelEngineApplies(def) ? 'dense-kernel' : 'layers';
  return engine;
}
