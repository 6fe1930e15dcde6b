import type { LayerStatisticsSource } from '../../autodiff/layer-statistics.js';
import type { DotAccumulation } from '../series/index.js';
import { gramOfProducts } from './hessian-curvature.js';
import type { CurvatureModel } from './types.js';

/**
 * The curvature of the quadratic model from the exact Fisher / Gauss-Newton products of the step's
 * batch (K = J^T H_loss J / N, no damping), as kfac-jax's compute_exact_quad_model: for 0.5*MSE
 * with kfac-jax's factor 2 (see fisher-sampling.ts), so the model is the one KFAC's own curvature
 * approximates. One product for one vector, one batched pass for several; each about a gradient's
 * cost, counted as `gaussNewtonProducts` (not Hessian-vector products).
 */
export function gaussNewtonCurvature(source: LayerStatisticsSource, mode: DotAccumulation): CurvatureModel {
  return {
    includesDamping: false,
    async gram(vectors) {
      const gram = await gramOfProducts(vectors, (v) => source.gaussNewtonProduct(v), (vs) => source.gaussNewtonProductBatch(vs), mode);
      return { gram, hvps: 0, gaussNewtonProducts: vectors.length };
    },
  };
}
