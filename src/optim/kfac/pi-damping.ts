import * as tf from '@tensorflow/tfjs-core';
import { FactorInverseError, HOST_LEAF, hostSpdInverse, spdInverse } from './spd-inverse.js';
import { denseInverse, reducedInverse, type FactorInverse } from './factor-inverse.js';

/**
 * kfac-jax's pi-adjusted inverse (utils.pi_adjusted_inverse, from Martens & Grosse 2015): two
 * factors whose Kronecker product approximates (A kron G + lambda I)^-1, with A the input factor
 * (d_A x d_A) and G the output-gradient factor (d_G x d_G):
 *   scale = tr(A) tr(G),
 *   A^-1 = (A / tr(A) + sqrt(lambda d_G / (scale d_A)) I)^-1 / sqrt(scale),
 *   G^-1 = (G / tr(G) + sqrt(lambda d_A / (scale d_G)) I)^-1 / sqrt(scale);
 * a 1x1 G: G^-1 = 1/scale, A^-1 = (A / tr(A) + lambda/scale I)^-1 (and symmetrically for a 1x1 A);
 * scale 0 (a factor is zero): both I / sqrt(lambda). When both factors are 1x1 we return the exact
 * 1/sqrt(scale + lambda) each (the kfac-jax version the paper ran returns sqrt(scale + lambda),
 * the product's square root rather than its inverse; no layer of ours has a 1x1 input factor,
 * since every dense and conv layer with one input has a bias).
 * The traces and the damping terms are float64 JS numbers. A factor above the host size whose
 * rows and columns are exactly zero at some indices is inverted on the rest alone (exactly the
 * same inverse, see factor-inverse.ts): ResNet-18's last stage on 32x32 images.
 */
export interface PiDampedInverses {
  aInv: FactorInverse;
  gInv: FactorInverse;
}

export interface InverseOptions {
  /** factors up to this size are inverted on the host in float64, larger ones on the backend */
  hostMaxSize?: number;
  /** what to name in an error */
  what?: string;
}

/** the diagonal of a square matrix, as a vector */
function diagonalOf(m: tf.Tensor2D): tf.Tensor1D {
  const n = m.shape[0];
  return tf.stridedSlice(tf.reshape(m, [n * n]), [0], [n * n], [n + 1]) as tf.Tensor1D;
}

async function trace(m: tf.Tensor2D): Promise<number> {
  const t = tf.tidy(() => tf.sum(diagonalOf(m)));
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/** (m / norm + damping I)^-1 * factor; above the host size only over the rows whose diagonal is not zero */
async function dampedInverse(m: tf.Tensor2D, norm: number, damping: number, factor: number, o: InverseOptions, which: string): Promise<FactorInverse> {
  const n = m.shape[0];
  if (n > (o.hostMaxSize ?? HOST_LEAF)) {
    const diagonalTensor = tf.tidy(() => diagonalOf(m));
    let diagonal: Float32Array | Int32Array | Uint8Array;
    try {
      diagonal = await diagonalTensor.data();
    } finally {
      diagonalTensor.dispose();
    }
    const kept = Array.from(diagonal.keys()).filter((i) => diagonal[i] !== 0);
    if (kept.length < n) {
      if (kept.length === 0) return reducedInverse(n, [], null, factor / damping);
      const sub = tf.tidy(() => {
        const idx = tf.tensor1d(Int32Array.from(kept), 'int32');
        return tf.gather(tf.gather(m, idx, 0), idx, 1) as tf.Tensor2D;
      });
      try {
        const subInverse = await dampedMatrixInverse(sub, norm, damping, factor, o, which);
        return reducedInverse(n, kept, subInverse, factor / damping);
      } finally {
        sub.dispose();
      }
    }
  }
  return denseInverse(await dampedMatrixInverse(m, norm, damping, factor, o, which));
}

/** (m / norm + damping I)^-1 * factor as a matrix: small ones on the host in float64, large ones on the backend */
async function dampedMatrixInverse(m: tf.Tensor2D, norm: number, damping: number, factor: number, o: InverseOptions, which: string): Promise<tf.Tensor2D> {
  const n = m.shape[0];
  const what = `${o.what ?? 'KFAC block'}: damped ${which} factor`;
  if (n <= (o.hostMaxSize ?? HOST_LEAF)) {
    const a = await m.data();
    const d = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) d[i] = a[i] / norm;
    for (let i = 0; i < n; i++) d[i * n + i] += damping;
    const inv = hostSpdInverse(d, n, what);
    const out = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) out[i] = inv[i] * factor;
    return tf.tensor2d(out, [n, n]);
  }
  const damped = tf.tidy(() => tf.add(tf.div(m, norm), tf.mul(tf.eye(n), damping)) as tf.Tensor2D);
  let inv: tf.Tensor2D;
  try {
    inv = await spdInverse(damped, o.hostMaxSize ?? HOST_LEAF, what);
  } finally {
    damped.dispose();
  }
  if (factor === 1) return inv;
  const scaled = tf.tidy(() => tf.mul(inv, factor) as tf.Tensor2D);
  inv.dispose();
  return scaled;
}

/** value * I (held as a scale alone when it is large) */
const scaledEye = (n: number, value: number): FactorInverse =>
  n <= HOST_LEAF ? denseInverse(tf.tidy(() => tf.mul(tf.eye(n), value) as tf.Tensor2D)) : reducedInverse(n, [], null, value);

export async function piDampedInverses(a: tf.Tensor2D, g: tf.Tensor2D, damping: number, o: InverseOptions = {}): Promise<PiDampedInverses> {
  if (!(damping > 0)) throw new Error(`KFAC damping must be positive, got ${damping}`);
  const dA = a.shape[0];
  const dG = g.shape[0];
  const [trA, trG] = await Promise.all([trace(a), trace(g)]);
  const scale = trA * trG;
  if (!Number.isFinite(scale)) throw new FactorInverseError(`${o.what ?? 'KFAC block'}: the factors are not finite (traces ${trA}, ${trG}); the run has diverged`);
  if (!(scale > 0)) {
    const s = 1 / Math.sqrt(damping);
    return { aInv: scaledEye(dA, s), gInv: scaledEye(dG, s) };
  }
  if (dA === 1 && dG === 1) {
    const s = 1 / Math.sqrt(scale + damping);
    return { aInv: scaledEye(1, s), gInv: scaledEye(1, s) };
  }
  if (dA === 1) return { aInv: scaledEye(1, 1 / scale), gInv: await dampedInverse(g, trG, damping / scale, 1, o, 'output-gradient') };
  if (dG === 1) return { aInv: await dampedInverse(a, trA, damping / scale, 1, o, 'input'), gInv: scaledEye(1, 1 / scale) };
  const root = Math.sqrt(scale);
  const aInv = await dampedInverse(a, trA, Math.sqrt((damping * dG) / (scale * dA)), 1 / root, o, 'input');
  try {
    return { aInv, gInv: await dampedInverse(g, trG, Math.sqrt((damping * dA) / (scale * dG)), 1 / root, o, 'output-gradient') };
  } catch (e) {
    aInv.dispose();
    throw e;
  }
}
