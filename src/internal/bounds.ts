import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from './errors';
import { MAX_MULTIPLICATIVE_MARGIN, MAX_SCALE, MAX_SUB_CENTERS, maxTensorElements } from './limits';
import { integerInRange, positiveNumberAtMost } from './validate';

/** Logit scale `s` in `(0, MAX_SCALE]`. */
export function scaleInRange(where: string, value: unknown, argument = 'scale'): number {
  return positiveNumberAtMost(where, argument, value, MAX_SCALE, ' (the papers use 16-64)');
}

/** Integer multiplicative angular margin `m` in `[1, MAX_MULTIPLICATIVE_MARGIN]` (L-Softmax, SphereFace). */
export function integerMarginInRange(where: string, argument: string, value: unknown): number {
  return integerInRange(
    where,
    argument,
    value,
    1,
    MAX_MULTIPLICATIVE_MARGIN,
    ' (the papers use 1-4; the cost grows with m)',
  );
}

/** Real multiplicative angular margin `m1` in `(0, MAX_MULTIPLICATIVE_MARGIN]` (combined margins). */
export function multiplicativeFactorInRange(where: string, argument: string, value: unknown): number {
  return positiveNumberAtMost(where, argument, value, MAX_MULTIPLICATIVE_MARGIN, ' (insightface uses 0.9-1.35)');
}

/** Additive cosine margin in `[0, 2]`: beyond 2 every target logit is below every other logit. */
export function cosineMarginInRange(where: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 2) {
    throw new MarginArgumentError(where, argument, 'a number in [0, 2] (cosines span 2)', value);
  }
  return value;
}

/** Sub-centers per class `K` in `[1, MAX_SUB_CENTERS]`. */
export function subCentersInRange(where: string, argument: string, value: unknown): number {
  return integerInRange(where, argument, value, 1, MAX_SUB_CENTERS, ' (the paper uses 3)');
}

/**
 * Throws unless a `[rows, columns]` weight fits in one tensor; names `argument` (the count the user
 * chose, e.g. `numClasses`) with the largest value that fits.
 */
export function checkWeightSize(where: string, argument: string, value: number, perUnit: number): void {
  const limit = maxTensorElements();
  if (value * perUnit > limit) {
    throw new MarginArgumentError(
      where,
      argument,
      `at most ${Math.floor(limit / perUnit)} (one weight tensor holds at most ${limit} values on the ` +
        `${tf.getBackend()} backend, ${perUnit} per unit here)`,
      value,
    );
  }
}

/** A head's logit scale: `value`, or `fallback` when omitted, in `(0, 1e4]`. */
export function scaleArg(where: string, value: unknown, fallback: number): number {
  return scaleInRange(where, value ?? fallback);
}
