/**
 * The arithmetic the series and the accelerators need, over any vector representation: Float64Array
 * for tests and `sfn accel`, flat float32 tf.Tensor1D for the optimiser.
 *
 * Ownership: every method that returns a vector returns a fresh one that the caller owns; inputs are
 * never consumed. Scalars (coefficients, dot products, norms) are float64 JS numbers, so the
 * numerics that steer the algorithms never round to float32.
 */
export interface VectorSpace<V> {
  /** a + b */
  add(a: V, b: V): V;
  /** a - b */
  sub(a: V, b: V): V;
  /** alpha * a */
  scale(a: V, alpha: number): V;
  /** alpha * x + y */
  axpy(alpha: number, x: V, y: V): V;
  /** sum_i coeffs[i] * vs[i] (at least one term) */
  linearCombination(coeffs: readonly number[], vs: readonly V[]): V;
  /** a fresh copy */
  clone(a: V): V;
  /** inner product, accumulated in float64 (a promise where the vectors live on a device read asynchronously) */
  dot(a: V, b: V): number | Promise<number>;
  /** Euclidean norm, accumulated in float64 (a promise as for dot) */
  norm(a: V): number | Promise<number>;
  /** number of entries */
  length(a: V): number;
  /** free a vector (no-op for plain arrays) */
  dispose(a: V): void;
  /** protect a vector from an enclosing scope's clean-up (tf.tidy); returns it */
  keep(a: V): V;
}

/** dispose every vector of a list (helper for clean-up paths) */
export function disposeAll<V>(space: VectorSpace<V>, vs: Iterable<V | undefined>): void {
  for (const v of vs) if (v !== undefined) space.dispose(v);
}
