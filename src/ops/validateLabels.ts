import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { integerAtLeast, tensorArg } from '../internal/validate';

/**
 * Checks, asynchronously, that labels are integers in `[0, numClasses)`; rejects with an error naming
 * the first bad value and its index. Works on every backend (the synchronous checks built into the
 * heads and `sparseSoftmaxCrossEntropy` are skipped on webgpu, where sync reads are unsafe).
 *
 * @example
 * ```ts
 * await ops.validateLabels(tf.tensor1d([0, 2, 1], 'int32'), 3); // resolves
 * await ops.validateLabels(tf.tensor1d([0, 3], 'int32'), 3).catch((e: Error) => console.log(e.message));
 * // ops.validateLabels: argument 'labels' must be integers in [0, 3), but received 3 at index 1.
 * ```
 */
export async function validateLabels(
  labels: tf.Tensor,
  numClasses: number,
  where = 'ops.validateLabels',
): Promise<void> {
  const t = tensorArg(where, 'labels', labels);
  integerAtLeast(where, 'numClasses', numClasses, 1);
  checkLabelValues(where, await t.data(), numClasses);
}

/** Throws on the first value that is not an integer in `[0, numClasses)`. */
export function checkLabelValues(
  where: string,
  values: ArrayLike<number>,
  numClasses: number,
  count = values.length,
  argument = 'labels',
): void {
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new MarginArgumentError(
        where,
        argument,
        `integers in [0, ${numClasses})`,
        `${Number.isNaN(v) ? 'NaN' : v} at index ${i}`,
      );
    }
  }
}
