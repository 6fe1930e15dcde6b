/**
 * The reductions the vector spaces share (Float64VectorSpace, Float32VectorSpace, L-BFGS's float32
 * space, and TfVectorSpace when it sums on the host): a dot product accumulated in float64 in index
 * order (exact products for float32 entries, so only the summation rounds) and a Euclidean norm
 * scaled by the largest entry so that it stays finite for huge or tiny entries.
 */
export function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`vector lengths differ: ${a.length} vs ${b.length}`);
}

export function hostDot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSameLength(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function hostScaledNorm(a: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const t = Math.abs(a[i]);
    if (!(t <= scale)) scale = t; // also picks up NaN, which then propagates
  }
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}
