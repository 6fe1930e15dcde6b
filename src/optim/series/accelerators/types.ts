/** What an accelerator returns: the estimate of the limit and how often it had to give up. */
export interface AccelerationResult<V> {
  /** the accelerated vector, or a copy of the last partial sum after a fallback; owned by the caller */
  value: V;
  /** 1 when a zero or non-finite denominator (or a non-finite result) forced the fallback, else 0 */
  fallbacks: number;
  /** why the fallback happened, for logs */
  reason?: string;
}

/** Thrown inside an accelerator to request the fallback to the unaccelerated partial sum. */
export class AccelerationBreakdown extends Error {}

/** the last 2N+1 entries of `sums`, with a clear error when there are fewer */
export function lastWindow<V>(sums: readonly V[], order: number, who: string): V[] {
  if (!Number.isInteger(order) || order < 0) throw new Error(`${who}: acceleration order N must be an integer >= 0, got ${order}`);
  const size = 2 * order + 1;
  if (sums.length < size) {
    throw new Error(`${who}: order N = ${order} needs 2N+1 = ${size} partial sums, got ${sums.length}`);
  }
  return sums.slice(sums.length - size);
}

/** a number usable as a denominator: finite and non-zero */
export function usableDenominator(x: number): boolean {
  return x !== 0 && Number.isFinite(x);
}
