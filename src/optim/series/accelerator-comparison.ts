import { Rng } from '../../util/random.js';
import type { Matrix } from '../../linalg/matrix.js';
import { matvec, zeros } from '../../linalg/matrix.js';
import { applySpectralFunction, symmetricEigen } from '../../linalg/symmetric-eigen.js';
import { Float64VectorSpace } from './float64-vector-space.js';
import { runSeries } from './series.js';
import type { AcceleratorName } from './accelerators/index.js';
import { accelerate } from './accelerators/index.js';

/**
 * The experiment of the paper's Figure 10 (Appendix B.5): a random symmetric "Hessian", the exact
 * saddle-free direction (|H| + lambda I)^{-1} g by eigendecomposition, and the series partial sums
 * with every accelerator applied at each step, compared with the exact direction by cosine
 * similarity and by 2-norm.
 */
export interface ComparisonOptions {
  seed: number;
  /** matrix size (100 in the paper) */
  size: number;
  /** series steps, i.e. partial sums s_0 .. s_{steps-1} (1000 in the paper) */
  steps: number;
  /** lambda (0 in the paper) */
  damping?: number;
  /** V; default lambda_max(H^2), the tightest value for which every truncation is PSD */
  V?: number;
  accelerators?: readonly Exclude<AcceleratorName, 'none'>[];
  /** acceleration orders N (1 and 2 in the paper) */
  orders?: readonly number[];
}

export interface ComparisonRow {
  /** index k of the newest partial sum used (k + 1 series terms) */
  step: number;
  /** 'original' (raw partial sum), 'target' (exact) or an accelerator name */
  method: string;
  order: number;
  cosine: number;
  norm: number;
  /** 1 when the accelerator fell back to the raw partial sum */
  fallback: number;
}

export interface ComparisonResult {
  rows: ComparisonRow[];
  targetNorm: number;
  V: number;
  eigenvalueRange: [number, number];
  smallestAbsEigenvalue: number;
  fallbacks: Record<string, number>;
}

export const FIGURE10_ACCELERATORS: readonly Exclude<AcceleratorName, 'none'>[] = ['wynn', 'sablonniere', 'levin', 'pade'];

/** symmetric matrix with independent standard normal entries on and above the diagonal */
export function randomSymmetricMatrix(size: number, rng: Rng): Matrix {
  const m = zeros(size, size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      const x = rng.normal();
      m.data[i * size + j] = x;
      m.data[j * size + i] = x;
    }
  }
  return m;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

export async function runAcceleratorComparison(options: ComparisonOptions): Promise<ComparisonResult> {
  const { seed, size, steps } = options;
  if (!Number.isInteger(size) || size < 2) throw new Error(`size must be an integer >= 2, got ${size}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be an integer >= 1, got ${steps}`);
  const damping = options.damping ?? 0;
  if (!(damping >= 0) || !Number.isFinite(damping)) throw new Error(`damping must be a finite number >= 0, got ${damping}`);
  const accelerators = options.accelerators ?? FIGURE10_ACCELERATORS;
  const orders = options.orders ?? [1, 2];
  for (const N of orders) if (!Number.isInteger(N) || N < 1) throw new Error(`acceleration orders must be integers >= 1, got ${N}`);

  const rng = new Rng(seed);
  const hessian = randomSymmetricMatrix(size, rng);
  const gradient = Float64Array.from({ length: size }, () => rng.normal());
  const eig = symmetricEigen(hessian);
  const target = applySpectralFunction(eig, (h) => 1 / (Math.abs(h) + damping), gradient);
  const targetNorm = Math.hypot(...target);
  const spectralRadius = Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[size - 1]));
  const V = options.V ?? spectralRadius * spectralRadius;
  if (!(V > 0) || !Number.isFinite(V)) throw new Error(`V must be a finite number > 0, got ${V}`);

  const rows: ComparisonRow[] = [];
  const fallbacks: Record<string, number> = {};
  const space = new Float64VectorSpace();
  const record = (step: number, method: string, order: number, v: Float64Array, fallback: number): void => {
    rows.push({ step, method, order, cosine: cosineSimilarity(v, target), norm: Math.hypot(...v), fallback });
  };
  const maxOrder = Math.min(Math.max(0, ...orders), Math.floor((steps - 1) / 2));
  await runSeries(space, gradient, (v) => matvec(hessian, v), {
    terms: steps,
    order: maxOrder,
    damping,
    V,
    vRule: 'fixed',
    onPartialSum: async (step, window) => {
      rows.push({ step, method: 'target', order: 0, cosine: 1, norm: targetNorm, fallback: 0 });
      record(step, 'original', 0, window[window.length - 1], 0);
      for (const name of accelerators) {
        for (const order of orders) {
          if (window.length < 2 * order + 1) continue;
          const result = await accelerate(space, name, window, { order, firstIndex: step + 1 - window.length });
          record(step, name, order, result.value, result.fallbacks);
          const key = `${name}${order}`;
          fallbacks[key] = (fallbacks[key] ?? 0) + result.fallbacks;
        }
      }
    },
  });
  let smallest = Infinity;
  for (const h of eig.values) smallest = Math.min(smallest, Math.abs(h));
  return { rows, targetNorm, V, eigenvalueRange: [eig.values[0], eig.values[size - 1]], smallestAbsEigenvalue: smallest, fallbacks };
}
