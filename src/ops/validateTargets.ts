import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError, receivedText } from '../internal/errors';
import { tensorArg } from '../internal/validate';

/**
 * Checks, asynchronously, that cross-entropy targets are class probabilities, each in `[0, 1]`
 * (one-hot or soft); rejects with an error naming the first bad value and its flat index. Works on
 * every backend (the synchronous check built into `losses.softmaxCrossEntropy` is skipped on webgpu,
 * where sync reads are unsafe).
 *
 * @example
 * ```ts
 * await ops.validateTargets(tf.tensor2d([[0.9, 0.1], [0, 1]])); // resolves
 * await ops.validateTargets(tf.tensor2d([[1.5, -0.5]])).catch((e: Error) => console.log(e.message)); // 1.5 at flat index 0
 * ```
 */
export async function validateTargets(
  targets: tf.Tensor,
  where = 'ops.validateTargets',
  argument = 'targets',
): Promise<void> {
  const t = tensorArg(where, argument, targets);
  checkTargetValues(where, argument, await t.data());
}

/** Throws on the first value outside `[0, 1]` (NaN included). */
export function checkTargetValues(where: string, argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new MarginArgumentError(
        where,
        argument,
        'targets in [0, 1] (one-hot or soft class probabilities)',
        receivedText(`${Number.isNaN(v) ? 'NaN' : v} at flat index ${i}`),
      );
    }
  }
}
