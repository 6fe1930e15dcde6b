import * as tf from '@tensorflow/tfjs-core';
import { type DerivativeCase, uniform, vec } from './check.js';

/** f(x) = sum(w * act(x)) + 0.5 * sum(u * act(x)^2): exercises act' and act''. */
export function activationCase(
  name: string,
  act: (x: tf.Tensor) => tf.Tensor,
  act64: (x: number) => number,
  dact64: (x: number) => number,
  lo: number,
  hi: number,
): DerivativeCase {
  const n = 9;
  const w = uniform(n, 11);
  const u = uniform(n, 12);
  return {
    name,
    x: uniform(n, 13, lo, hi),
    v: uniform(n, 14),
    tape: (x) => {
      const a = act(x);
      return tf.add(tf.sum(tf.mul(vec(w), a)), tf.mul(0.5, tf.sum(tf.mul(vec(u), tf.square(a))))) as tf.Scalar;
    },
    loss64: (x) => x.reduce((s, xi, i) => s + w[i] * act64(xi) + 0.5 * u[i] * act64(xi) ** 2, 0),
    grad64: (x) => x.map((xi, i) => (w[i] + u[i] * act64(xi)) * dact64(xi)),
  };
}

const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));

export function softmaxCase(): DerivativeCase {
  const rows = 3;
  const cols = 4;
  const w = uniform(rows * cols, 21);
  const u = uniform(rows * cols, 22);
  const softmax64 = (x: Float64Array) => {
    const s = new Float64Array(x.length);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => (s[r * cols + j] = v / z));
    }
    return s;
  };
  return {
    name: 'Softmax',
    x: uniform(rows * cols, 23, -2, 2),
    v: uniform(rows * cols, 24),
    tape: (x) => {
      const s = tf.softmax(tf.reshape(x, [rows, cols]));
      const flat = tf.reshape(s, [rows * cols]);
      return tf.add(tf.sum(tf.mul(vec(w), flat)), tf.mul(0.5, tf.sum(tf.mul(vec(u), tf.square(flat))))) as tf.Scalar;
    },
    loss64: (x) => softmax64(x).reduce((acc, s, i) => acc + w[i] * s + 0.5 * u[i] * s * s, 0),
    grad64: (x) => {
      const s = softmax64(x);
      const g = new Float64Array(x.length);
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += s[r * cols + j] * (w[r * cols + j] + u[r * cols + j] * s[r * cols + j]);
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          g[i] = s[i] * (w[i] + u[i] * s[i] - dot);
        }
      }
      return g;
    },
  };
}

/** f(a, b) = sum(w * a^b); both the base and the exponent are variables. */
function powCase(broadcastExponent: boolean): DerivativeCase {
  const n = 6;
  const nb = broadcastExponent ? 1 : n;
  const w = uniform(n, 31);
  const x = new Float64Array([...uniform(n, 32, 0.5, 2), ...uniform(nb, 33, -1.5, 2.5)]);
  const b = (t: Float64Array, i: number) => t[n + (broadcastExponent ? 0 : i)];
  return {
    name: broadcastExponent ? 'Pow (scalar exponent, broadcast)' : 'Pow',
    x,
    v: uniform(n + nb, 34),
    tape: (t) => tf.sum(tf.mul(vec(w), tf.pow(tf.slice(t, 0, n), tf.slice(t, n, nb)))) as tf.Scalar,
    loss64: (t) => w.reduce((s, wi, i) => s + wi * t[i] ** b(t, i), 0),
    grad64: (t) => {
      const g = new Float64Array(n + nb);
      for (let i = 0; i < n; i++) {
        const p = t[i] ** b(t, i);
        g[i] = w[i] * b(t, i) * t[i] ** (b(t, i) - 1);
        g[n + (broadcastExponent ? 0 : i)] += w[i] * p * Math.log(t[i]);
      }
      return g;
    },
  };
}

/** f(X) = sum(w * r(X)^2) + sum(u * r(X)) for a max / min reduction r over axis 1 or all. */
export function extremumCase(kind: 'max' | 'min', allAxes: boolean): DerivativeCase {
  const rows = 3;
  const cols = 5;
  const k = allAxes ? 1 : rows;
  const w = uniform(k, 41);
  const u = uniform(k, 42);
  const pick = (x: Float64Array, r: number) => {
    const from = allAxes ? 0 : r * cols;
    const to = allAxes ? rows * cols : (r + 1) * cols;
    let best = from;
    for (let i = from; i < to; i++) if (kind === 'max' ? x[i] > x[best] : x[i] < x[best]) best = i;
    return best;
  };
  return {
    name: `${kind === 'max' ? 'Max' : 'Min'} (${allAxes ? 'all axes' : 'axis 1'})`,
    x: uniform(rows * cols, 43, -2, 2),
    v: uniform(rows * cols, 44),
    tape: (x) => {
      const m = tf.reshape(x, [rows, cols]);
      const r = tf.reshape(kind === 'max' ? tf.max(m, allAxes ? undefined : 1) : tf.min(m, allAxes ? undefined : 1), [k]);
      return tf.add(tf.sum(tf.mul(vec(w), tf.square(r))), tf.sum(tf.mul(vec(u), r))) as tf.Scalar;
    },
    loss64: (x) => w.reduce((s, wi, r) => s + wi * x[pick(x, r)] ** 2 + u[r] * x[pick(x, r)], 0),
    grad64: (x) => {
      const g = new Float64Array(x.length);
      for (let r = 0; r < k; r++) g[pick(x, r)] += 2 * w[r] * x[pick(x, r)] + u[r];
      return g;
    },
  };
}

/** One case per elementwise or reduction kernel whose gradient sfn replaces. */
export const ELEMENTWISE_CASES: DerivativeCase[] = [
  activationCase('Tanh', tf.tanh, Math.tanh, (x) => 1 - Math.tanh(x) ** 2, -2, 2),
  activationCase('Sigmoid', tf.sigmoid, sigmoid64, (x) => sigmoid64(x) * (1 - sigmoid64(x)), -3, 3),
  activationCase('Exp', tf.exp, Math.exp, Math.exp, -1.5, 1.5),
  activationCase('Elu', tf.elu, (x) => (x > 0 ? x : Math.expm1(x)), (x) => (x > 0 ? 1 : Math.exp(x)), -2, 2),
  softmaxCase(),
  powCase(false),
  powCase(true),
  extremumCase('max', false),
  extremumCase('max', true),
  extremumCase('min', false),
  extremumCase('min', true),
];
