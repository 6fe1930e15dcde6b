/**
 * Float64 tensors that carry a tangent: `v` is the value, `d` its derivative along one fixed
 * direction in parameter space (forward mode). Running the backward pass on such pairs gives the
 * gradient in `v` and the Hessian-vector product in `d` (forward-over-reverse).
 */
export interface Dual {
  v: Float64Array;
  d: Float64Array;
}

export interface DualTensor extends Dual {
  shape: number[];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function dualZeros(shape: number[]): DualTensor {
  const n = sizeOf(shape);
  return { shape, v: new Float64Array(n), d: new Float64Array(n) };
}

/** A view of elements [offset, offset + size) of both parts, sharing memory. */
export function dualSlice(x: Dual, offset: number, size: number): Dual {
  return { v: x.v.subarray(offset, offset + size), d: x.d.subarray(offset, offset + size) };
}

/**
 * Product rule for a bilinear kernel that accumulates f(a, b) into out:
 * (a + da)(b + db) = ab + (da b + a db) + O(d^2).
 */
export function bilinearAcc(
  f: (a: Float64Array, b: Float64Array, out: Float64Array) => void,
  a: Dual,
  b: Dual,
  out: Dual,
): void {
  f(a.v, b.v, out.v);
  f(a.d, b.v, out.d);
  f(a.v, b.d, out.d);
}

/** out += x for both parts */
export function addAcc(x: Dual, out: Dual): void {
  for (let i = 0; i < x.v.length; i++) {
    out.v[i] += x.v[i];
    out.d[i] += x.d[i];
  }
}
