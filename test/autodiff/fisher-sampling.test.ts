import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { fisherLossScale, negLogLikelihoodGradient, sampleTargets } from '../../src/autodiff/fisher-sampling.js';

/**
 * The sampled Fisher's targets follow the model's predictive distribution: a chi-squared test of
 * the class frequencies (fixed seed, so the test is deterministic) for the softmax, and the mean
 * and variance of the draws for kfac-jax's squared-error Normal of variance 0.5.
 */

/** 99.9% quantiles of chi-squared with 1..4 degrees of freedom */
const CHI2_999 = [10.83, 13.82, 16.27, 18.47];

function chiSquared(counts: number[], probs: number[], n: number): number {
  return counts.reduce((s, c, j) => s + (c - n * probs[j]) ** 2 / (n * probs[j]), 0);
}

for (const backend of ['cpu', 'wasm']) {
  test(`${backend}: sampled class labels follow the softmax (chi-squared at 99.9%, and a wrong distribution is rejected)`, async () => {
    await initBackend(backend);
    const dists = [[0.1, 0.2, 0.3, 0.4], [0.7, 0.05, 0.05, 0.2]];
    const rows = 8000;
    const probs = tf.tensor2d(Array.from({ length: rows }, (_, r) => dists[r % 2]).flat(), [rows, 4]);
    const logits = tf.log(probs);
    const labels = sampleTargets('ce', logits, probs, 1234);
    const data = await labels.data();
    tf.dispose([probs, logits, labels]);
    dists.forEach((p, d) => {
      const counts = [0, 0, 0, 0];
      for (let r = d; r < rows; r += 2) counts[data[r]]++;
      const stat = chiSquared(counts, p, rows / 2);
      assert.ok(stat < CHI2_999[2], `distribution ${d}: chi-squared ${stat.toFixed(2)} for counts ${counts.join(', ')}`);
      const wrong = chiSquared(counts, dists[1 - d], rows / 2);
      assert.ok(wrong > 100 * CHI2_999[2], `distribution ${d}: the other distribution is not rejected (${wrong.toFixed(1)})`);
    });
  });

  test(`${backend}: sampled regression targets are the outputs plus Normal noise of variance 0.5`, async () => {
    await initBackend(backend);
    const rows = 6000;
    const out = tf.tidy(() => tf.mul(tf.reshape(tf.range(0, rows * 2), [rows, 2]), 0.001));
    const t = sampleTargets('mse', out, undefined, 99);
    const noise = Array.from(await tf.tidy(() => tf.sub(t, out)).data());
    tf.dispose([out, t]);
    const n = noise.length;
    const mean = noise.reduce((a, b) => a + b, 0) / n;
    const variance = noise.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(mean) < 4 * Math.sqrt(0.5 / n), `mean ${mean}`);
    assert.ok(Math.abs(variance - 0.5) < 4 * 0.5 * Math.sqrt(2 / n), `variance ${variance}`);
  });
}

test('the same seed draws the same labels, another seed others', async () => {
  await initBackend('cpu');
  const logits = tf.zeros([500, 5]);
  const probs = tf.softmax(logits);
  const a = await sampleTargets('ce', logits, probs, 7).data();
  const b = await sampleTargets('ce', logits, probs, 7).data();
  const c = await sampleTargets('ce', logits, probs, 8).data();
  assert.deepEqual(a, b);
  assert.ok(a.some((x, i) => x !== c[i]));
  tf.dispose([logits, probs]);
});

test('the negative log-likelihood gradient: p - onehot, 2 (y - t) for the Normal of variance 0.5, zero on padding rows', async () => {
  await initBackend('cpu');
  assert.equal(fisherLossScale('mse'), 2);
  assert.equal(fisherLossScale('ce'), 1);
  const y = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
  const mask = tf.tensor1d([1, 0, 1]);
  const g = await negLogLikelihoodGradient('mse', y, undefined, tf.tensor2d([[0, 0], [0, 0], [1, 1]]), mask).data();
  assert.deepEqual(Array.from(g), [2, 4, 0, 0, 8, 10]);
  const probs = tf.tensor2d([[0.5, 0.5], [0.25, 0.75], [0.1, 0.9]]);
  const gc = await negLogLikelihoodGradient('ce', y, probs, tf.tensor1d([1, 0, 0]), mask).data();
  assert.deepEqual(Array.from(gc, (x) => Math.round(x * 100) / 100 + 0), [0.5, -0.5, 0, 0, -0.9, 0.9]);
  tf.dispose([y, mask, probs]);
});
