import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { extractPatches, patchSecondMoment } from '../../../src/optim/kfac/conv-patches.js';
import type { Padding } from '../../../src/models/spec.js';
import { Rng } from '../../../src/util/random.js';
import { im2col, matmul } from './helpers/net64.js';
import { relError } from './helpers/brute-force.js';

/** KFC's patches against an explicit float64 im2col (written from TensorFlow's padding rule). */

const CASES: { kh: number; kw: number; stride: number; padding: Padding; shape: number[] }[] = [
  { kh: 3, kw: 3, stride: 2, padding: 'same', shape: [2, 7, 6, 3] },
  { kh: 3, kw: 2, stride: 2, padding: 'same', shape: [2, 6, 5, 2] },
  { kh: 3, kw: 3, stride: 2, padding: 'valid', shape: [2, 7, 6, 3] },
  { kh: 2, kw: 3, stride: 2, padding: 'valid', shape: [3, 6, 7, 2] },
  { kh: 1, kw: 1, stride: 2, padding: 'same', shape: [2, 5, 5, 4] },
];

function randomInput(shape: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

for (const backend of ['cpu', 'wasm']) {
  for (const c of CASES) {
    const what = `${c.kh}x${c.kw} stride ${c.stride} '${c.padding}' on [${c.shape.join(', ')}]`;
    test(`${backend}: patches of a ${what} equal an explicit im2col, in (kh, kw, c_in) order`, async () => {
      await initBackend(backend);
      const data = randomInput(c.shape, 5);
      const x = tf.tensor4d(data, c.shape as [number, number, number, number]);
      const p = extractPatches(x, c);
      const want = im2col({ shape: c.shape, data: Float64Array.from(data) }, c.kh, c.kw, c.stride, c.padding);
      assert.deepEqual(p.shape, want.shape);
      assert.deepEqual(Array.from(await p.data()), Array.from(want.data)); // a pure gather: exact
      tf.dispose([x, p]);
    });

    test(`${backend}: the patch second moment of a ${what}, with bias and padding rows, equals its float64 sum`, async () => {
      await initBackend(backend);
      const data = randomInput(c.shape, 6);
      const b = c.shape[0];
      const maskValues = Array.from({ length: b }, (_, i) => (i === 1 ? 0 : 1));
      const x = tf.tensor4d(data, c.shape as [number, number, number, number]);
      const mask = tf.tensor1d(maskValues);
      const got = patchSecondMoment(x, mask, c, true);
      const cols = im2col({ shape: c.shape, data: Float64Array.from(data) }, c.kh, c.kw, c.stride, c.padding);
      const [, oh, ow, k] = cols.shape;
      const rows = b * oh * ow;
      const ext = new Float64Array(rows * (k + 1));
      for (let r = 0; r < rows; r++) {
        const m = maskValues[Math.floor(r / (oh * ow))];
        for (let j = 0; j < k; j++) ext[r * (k + 1) + j] = m * cols.data[r * k + j];
        ext[r * (k + 1) + k] = m;
      }
      const want = matmul(ext, ext, k + 1, rows, k + 1, true);
      const gotData = await got.data();
      assert.ok(relError(gotData, want) < 1e-6, `relative error ${relError(gotData, want)}`);
      // the corner is the number of locations of the real examples
      assert.equal(gotData[(k + 1) * (k + 1) - 1], oh * ow * (b - 1));
      tf.dispose([x, mask, got]);
    });
  }
}
