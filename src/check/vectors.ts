/** Small float64 vector helpers for comparisons. */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** ||actual - expected|| / ||expected|| (the absolute difference when expected is zero) */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`relativeError: lengths ${actual.length} and ${expected.length} differ`);
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    num += (actual[i] - expected[i]) ** 2;
    den += expected[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

export function scalarRelativeError(actual: number, expected: number): number {
  return expected !== 0 ? Math.abs(actual - expected) / Math.abs(expected) : Math.abs(actual);
}
