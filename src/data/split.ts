/**
 * The reference code's train/validation rule: of a pool of n rows, the first rint(n (1 - p)) rows
 * train and the remaining rows validate, in file order (no shuffling); rint rounds half to even,
 * as numpy does. The test set is always the dataset's own test file (or, for UCI, the last rows).
 */

/** Validation proportions of the reference configs (Fashion-MNIST and SVHN: 0.1666666667, i.e. 1/6 rounded up). */
export const VALIDATION_PROPORTION = {
  'uci-energy': 0.15,
  'fashion-mnist': 0.1666666667,
  svhn: 0.1666666667,
  cifar10: 0.1,
} as const;

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** [train rows, validation rows] of a pool of `n` rows. */
export function trainValSizes(n: number, validationProportion: number): [number, number] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`pool size must be a non-negative integer, got ${n}`);
  if (!(validationProportion >= 0 && validationProportion < 1)) {
    throw new Error(`validation proportion must be in [0, 1), got ${validationProportion}`);
  }
  const train = roundHalfEven(n * (1 - validationProportion));
  return [train, n - train];
}
