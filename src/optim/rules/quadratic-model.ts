import { solve2x2 } from '../../linalg/solve2x2.js';

/**
 * Learning rate and momentum from the local quadratic model (paper Appendix A.4, eq. 7; KFAC's rule),
 * with the real curvature C = H + lambda I. The step is taken in the plane of two directions:
 *
 *   s(alpha, mu) = alpha * (-d) + mu * p,   w_new = w + s,
 *
 * where d ~ (|H| + lambda I)^{-1} g is the series direction (so -d points downhill) and p = w - w_prev
 * is the previous step. The model of the loss change is
 *
 *   M(alpha, mu) - L = g.s + 1/2 s^T C s = r.x + 1/2 x^T A x,   x = (alpha, mu),
 *   A = [[d.Cd, -d.Cp], [-d.Cp, p.Cp]],   r = (-g.d, g.p),
 *
 * minimised by A x = -r. This is eq. 7 with Delta = -d and x_t - x_{t-1} = p (the paper adds the
 * update; we subtract d, the same thing). Every scalar is float64.
 */
export interface QuadraticModelInputs {
  /** g.d */
  gd: number;
  /** d.H d */
  dHd: number;
  /** d.d */
  dd: number;
  /** the previous step's terms; absent on the first step (then momentum is 0) */
  previous?: {
    /** g.p */
    gp: number;
    /** p.H p */
    pHp: number;
    /** p.p */
    pp: number;
    /** d.H p (= p.H d; pass their mean, float32 products are not exactly symmetric) */
    dHp: number;
    /** d.p */
    dp: number;
  };
  /** lambda >= 0 */
  damping: number;
  /**
   * Whether the predicted change counts the damping term (default true). kfac-jax's
   * include_damping_in_quad_change=False (its default, as the paper ran it) solves with the damped
   * model but predicts the change with the undamped one: 1/2 x^T A x + r.x with A from K alone.
   */
  dampingInChange?: boolean;
}

/**
 * How the coefficients were found:
 * 2 = minimiser over the plane (A positive semi-definite; minimum-norm solution if singular);
 * 1 = minimiser along d alone (momentum 0): first step, or the plane model is not convex but d is;
 * 0 = the model is not convex along d either: the unit saddle-free step (lr 1, momentum 0).
 */
export type ModelSolveKind = 0 | 1 | 2;

export interface QuadraticModelStep {
  lr: number;
  momentum: number;
  /** M(step) - L predicted by the model (negative when the model expects a decrease) */
  predictedChange: number;
}

/**
 * Relative size below which an eigenvalue (or singular value) of A counts as zero. The entries come
 * from float32 curvature products (relative error ~1e-7), so directions A cannot resolve better than
 * that are dropped (minimum-norm solve) rather than inverted into noise.
 */
export const MODEL_RCOND = 1e-7;

export function solveQuadraticModel(q: QuadraticModelInputs): QuadraticModelStep & { solve: ModelSolveKind } {
  const lambda = q.damping;
  // the damping's share of the predicted change: all of it, or none (kfac-jax's default)
  const inChange = (q.dampingInChange ?? true) ? 1 : 0;
  const a11 = q.dHd + lambda * q.dd;
  const c11 = q.dHd + inChange * lambda * q.dd;
  const r1 = -q.gd;
  const finite = [a11, r1].every(Number.isFinite);
  if (q.previous && finite) {
    const p = q.previous;
    const a12 = -(p.dHp + lambda * p.dp);
    const a22 = p.pHp + lambda * p.pp;
    const r2 = p.gp;
    if ([a12, a22, r2].every(Number.isFinite) && isPositiveSemiDefinite(a11, a12, a22)) {
      const { x } = solve2x2(a11, a12, a12, a22, -r1, -r2, MODEL_RCOND);
      const [lr, momentum] = x;
      const c12 = -(p.dHp + inChange * lambda * p.dp);
      const c22 = p.pHp + inChange * lambda * p.pp;
      const predictedChange = r1 * lr + r2 * momentum + 0.5 * (c11 * lr * lr + 2 * c12 * lr * momentum + c22 * momentum * momentum);
      return { lr, momentum, predictedChange, solve: 2 };
    }
  }
  if (finite && a11 > 0) {
    const lr = -r1 / a11;
    // with the damping counted, r1 lr + 1/2 a11 lr^2 = 1/2 r1 lr
    const predictedChange = inChange === 1 ? 0.5 * r1 * lr : r1 * lr + 0.5 * c11 * lr * lr;
    return { lr, momentum: 0, predictedChange, solve: 1 };
  }
  // no minimiser along d: trust the saddle-free direction itself (its own model is |H| + lambda I)
  return { lr: 1, momentum: 0, predictedChange: r1 + 0.5 * c11, solve: 0 };
}

/** A = [[a11, a12], [a12, a22]] has no eigenvalue below -MODEL_RCOND * (largest |eigenvalue|), and is not zero */
function isPositiveSemiDefinite(a11: number, a12: number, a22: number): boolean {
  const mean = (a11 + a22) / 2;
  const radius = Math.hypot((a11 - a22) / 2, a12);
  const largest = mean + radius;
  const smallest = mean - radius;
  return largest > 0 && smallest >= -MODEL_RCOND * largest;
}

/**
 * What the published code computes (REFERENCE.md, known defect 2): it stands in C d ~ g for the
 * curvature products, so the first column of its system equals the right-hand side and the solve
 * always gives lr 1, momentum 0; the model change it divides by is then -1/2 g.d.
 */
export function referenceQuadraticModel(gd: number): QuadraticModelStep {
  return { lr: 1, momentum: 0, predictedChange: -0.5 * gd };
}
