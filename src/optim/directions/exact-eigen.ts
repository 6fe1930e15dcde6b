import * as tf from '@tensorflow/tfjs-core';
import { symmetricSpectrum, type SymmetricSpectrum } from '../../linalg/spectral.js';
import type { StepInfo } from '../optimizer.js';
import type { CurvatureModel } from '../rules/types.js';
import type { Direction, DirectionOutput } from './types.js';

/**
 * The largest model the exact direction is offered for (its descriptors' Hessian need): the explicit
 * Hessian is n^2 float64 (200 MB at 5,000) and its eigendecomposition O(n^3), about 100 times the
 * UCI Energy MLP's (1,057 parameters).
 */
export const EXACT_EIGEN_MAX_PARAMETERS = 5000;

export interface ExactEigenOptions {
  /** EMA decay of the Hessian (0: this step's Hessian alone); the first step stores H itself */
  hessianEma: number;
  /**
   * |lambda| + damping at or below `threshold` is replaced by 1 / smallEigLr before inverting;
   * absent: no replacement
   */
  smallEigenvalues?: { threshold: number; smallEigLr: number };
  /** hand the adaptive rule the curvature |H| of this step's own (not averaged) Hessian */
  curvature: boolean;
}

export interface ExactEigenState {
  /** the Hessian EMA (row-major float64); null before the first step or without an EMA */
  ema: Float64Array | null;
}

/**
 * The exact saddle-free Newton direction (the reference's SelectiveNewtonSGD): the full Hessian of
 * the minibatch loss (Objective.hessian, float64), optionally averaged, its eigendecomposition
 * H = V diag(lambda) V^T, and
 *
 *   d = V diag(1 / lambda~) V^T g,   lambda~ = |lambda| + damping, or 1 / smallEigLr where that is
 *                                    at or below the threshold.
 *
 * With `curvature` the adaptive rule's model uses C = |H_raw| + damping I from this step's own
 * Hessian (a second eigendecomposition once the EMA differs from it). A non-finite Hessian or a
 * failed eigen-solve gives a NaN direction (logged as nonFiniteCurvature): the step's parameters
 * come out non-finite and the training loop ends the run as diverged, keeping its steps.
 */
export function exactEigenDirection(o: ExactEigenOptions): Direction<ExactEigenState> {
  return {
    init: () => ({ ema: null }),
    async compute({ objective, grad, damping }, state): Promise<DirectionOutput<ExactEigenState>> {
      const n = objective.size;
      const raw = await objective.hessian();
      // the explicit Hessian costs n Hessian-vector products' worth of work
      const info: StepInfo = { hvps: n };
      if (!raw.every(Number.isFinite)) return nonFinite(n, state, info, o.curvature);

      let averaged = raw;
      let ema: Float64Array | null = null;
      if (o.hessianEma > 0) {
        if (state.ema === null) ema = raw;
        else {
          // the step consumes its state: the EMA is updated in place
          ema = state.ema;
          const keep = o.hessianEma;
          for (let i = 0; i < ema.length; i++) ema[i] = keep * ema[i] + (1 - keep) * raw[i];
        }
        averaged = ema;
      }
      let spectrum: SymmetricSpectrum;
      let rawSpectrum: SymmetricSpectrum | null = null;
      try {
        spectrum = symmetricSpectrum(averaged, n);
        if (o.curvature) rawSpectrum = averaged === raw ? spectrum : symmetricSpectrum(raw, n);
      } catch {
        // e.g. the QL iteration did not converge: as a non-finite Hessian, the run ends diverged
        return nonFinite(n, { ema }, info, o.curvature);
      }

      const small = o.smallEigenvalues;
      const inverse = (lambda: number): number => {
        let value = Math.abs(lambda) + damping;
        if (small && value <= small.threshold) value = 1 / small.smallEigLr;
        return 1 / value;
      };
      const g = Float64Array.from(await grad.data());
      const u = spectrum.apply(inverse, g);
      info.negativeEigenvalues = count(spectrum.values, (v) => v < 0);
      if (small) info.replacedEigenvalues = count(spectrum.values, (v) => Math.abs(v) + damping <= small.threshold);
      if (!u.every(Number.isFinite)) return nonFinite(n, { ema }, info, o.curvature);
      return {
        direction: tf.tensor1d(Float32Array.from(u)),
        state: { ema },
        info,
        ...(rawSpectrum ? { curvature: absoluteCurvature(rawSpectrum) } : {}),
      };
    },
    dispose: () => {},
  };
}

/** K = |H| from a spectrum, for the adaptive rule (which adds the damping); products on the host in float64 */
function absoluteCurvature(spectrum: SymmetricSpectrum): CurvatureModel {
  return {
    includesDamping: false,
    async gram(vectors) {
      const vs = (await Promise.all(vectors.map((v) => v.data()))).map((v) => Float64Array.from(v));
      const kv = vs.map((v) => spectrum.apply(Math.abs, v));
      const gram = vs.map((vi, i) => vs.map((vj, j) => 0.5 * (dot(vi, kv[j]) + dot(vj, kv[i]))));
      return { gram, hvps: 0 };
    },
  };
}

function count(values: Float64Array, which: (v: number) => boolean): number {
  let c = 0;
  for (const v of values) if (which(v)) c++;
  return c;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** a NaN direction (and NaN curvature), so that the update is non-finite and the run ends diverged */
function nonFinite(n: number, state: ExactEigenState, info: StepInfo, withCurvature: boolean): DirectionOutput<ExactEigenState> {
  const curvature: CurvatureModel = {
    includesDamping: false,
    gram: (vectors) => Promise.resolve({ gram: vectors.map(() => vectors.map(() => NaN)), hvps: 0 }),
  };
  return {
    direction: tf.fill([n], NaN, 'float32') as tf.Tensor1D,
    state,
    info: { ...info, nonFiniteCurvature: 1 },
    ...(withCurvature ? { curvature } : {}),
  };
}
