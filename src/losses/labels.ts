import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { tensorArg } from '../internal/validate';

/**
 * Checks class labels and returns them as an int32 `[N]` tensor (the caller disposes it when it is
 * not the input). Labels may be `[N]` or `[N, 1]`, int32 or float32 holding integers.
 *
 * With `checkValues` the values are read back (one device sync) to reject fractions, NaN and labels
 * outside `[0, numClasses)`; without it only shapes and dtypes are checked.
 */
export function parseLabels(
  where: string,
  argument: string,
  labels: unknown,
  batchSize: number | null,
  numClasses: number,
  checkValues: boolean,
): tf.Tensor1D {
  const t = tensorArg(where, argument, labels);
  const okShape = t.rank === 1 || (t.rank === 2 && t.shape[1] === 1);
  const expected = batchSize === null ? '[N] or [N, 1]' : `[${batchSize}] or [${batchSize}, 1]`;
  if (!okShape || (batchSize !== null && t.shape[0] !== batchSize)) {
    throw new MarginArgumentError(where, argument, `integer class labels of shape ${expected}`, t);
  }
  if (t.dtype !== 'int32' && t.dtype !== 'float32') {
    throw new MarginArgumentError(where, argument, 'an int32 or float32 tensor of integer labels', t);
  }
  if (checkValues) {
    const values = t.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new MarginArgumentError(
          where,
          argument,
          `integers in [0, ${numClasses})`,
          `${describeNumber(v)} at index ${i}`,
        );
      }
    }
  }
  return tf.tidy(() => {
    const flat = t.rank === 2 ? tf.reshape(t, [-1]) : t;
    return (flat.dtype === 'int32' ? flat : tf.cast(flat, 'int32')) as tf.Tensor1D;
  });
}

function describeNumber(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}
