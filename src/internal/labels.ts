import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from './errors';
import { canReadSync } from './syncRead';
import { tensorArg } from './validate';
import { checkLabelValues } from '../ops/validateLabels';

/**
 * Checks class labels and returns them as an int32 `[N]` tensor (the caller disposes it when it is
 * not the input). Labels may be `[N]` or `[N, 1]`, int32 or float32 holding integers.
 *
 * With `checkValues` the values are read back (one device sync) to reject fractions, NaN and labels
 * outside `[0, numClasses)` — except on webgpu, where sync reads are unsafe (see `canReadSync`);
 * without it only shapes and dtypes are checked.
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
  if (checkValues && canReadSync()) checkLabelValues(where, t.dataSync(), numClasses);
  return tf.tidy(() => {
    const flat = t.rank === 2 ? tf.reshape(t, [-1]) : t;
    return (flat.dtype === 'int32' ? flat : tf.cast(flat, 'int32')) as tf.Tensor1D;
  });
}
