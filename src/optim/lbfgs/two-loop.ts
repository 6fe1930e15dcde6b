import type { VectorSpace } from '../series/index.js';

/** one curvature pair: s = x_{k+1} - x_k, y = g_{k+1} - g_k, rho = 1 / (y.s) (float64) */
export interface CurvaturePair<V> {
  s: V;
  y: V;
  rho: number;
}

/**
 * The newest `capacity` curvature pairs, oldest first. The history owns its vectors: `push`
 * takes ownership of s and y and frees the pair it drops; `dispose` frees them all.
 */
export class LbfgsHistory<V> {
  private readonly pairs: CurvaturePair<V>[] = [];

  constructor(
    private readonly space: VectorSpace<V>,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`L-BFGS history: the capacity must be an integer of at least 1; got ${capacity}`);
    }
  }

  get length(): number {
    return this.pairs.length;
  }

  push(s: V, y: V, rho: number): void {
    this.pairs.push({ s, y, rho });
    if (this.pairs.length > this.capacity) {
      const dropped = this.pairs.shift()!;
      this.space.dispose(dropped.s);
      this.space.dispose(dropped.y);
    }
  }

  /** the newest `count` pairs, oldest first (borrowed) */
  newest(count: number): readonly CurvaturePair<V>[] {
    if (!Number.isInteger(count) || count < 0 || count > this.pairs.length) {
      throw new Error(`L-BFGS history: asked for the newest ${count} pairs of ${this.pairs.length}`);
    }
    return this.pairs.slice(this.pairs.length - count);
  }

  clear(): void {
    for (const { s, y } of this.pairs) {
      this.space.dispose(s);
      this.space.dispose(y);
    }
    this.pairs.length = 0;
  }

  dispose(): void {
    this.clear();
  }
}

/**
 * The L-BFGS direction p = -H g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4) over
 * the newest `count` pairs of the history, with the initial inverse Hessian H_0 = gamma I:
 *   q = -g; for i newest..oldest: a_i = rho_i s_i.q, q -= a_i y_i;
 *   q *= gamma; for i oldest..newest: b = rho_i y_i.q, q += (a_i - b) s_i.
 * H is the inverse-BFGS update H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T applied to
 * gamma I once per pair, oldest first. Every coefficient is a float64 number, rounded by `round`
 * after each operation (Math.fround for the reference's float32 arithmetic; default exact).
 * Returns a fresh vector owned by the caller.
 */
export async function lbfgsDirection<V>(
  space: VectorSpace<V>,
  history: LbfgsHistory<V>,
  g: V,
  gamma: number,
  count = history.length,
  round: (x: number) => number = (x) => x,
): Promise<V> {
  const pairs = history.newest(count);
  const alphas = new Array<number>(pairs.length);
  let q = space.scale(g, -1);
  try {
    for (let i = pairs.length - 1; i >= 0; i--) {
      const { s, y, rho } = pairs[i];
      alphas[i] = round(rho * round(await space.dot(s, q)));
      q = replace(space, q, space.axpy(-alphas[i], y, q));
    }
    q = replace(space, q, space.scale(q, gamma));
    for (let i = 0; i < pairs.length; i++) {
      const { s, y, rho } = pairs[i];
      const b = round(rho * round(await space.dot(y, q)));
      q = replace(space, q, space.axpy(round(alphas[i] - b), s, q));
    }
    return q;
  } catch (e) {
    space.dispose(q);
    throw e;
  }
}

/** frees the old vector, returns the new one */
function replace<V>(space: VectorSpace<V>, old: V, next: V): V {
  space.dispose(old);
  return next;
}
