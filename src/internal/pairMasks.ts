import * as tf from '@tensorflow/tfjs-core';
import { stopGradient } from './stopGradient';

/** The label masks of a batch's ordered pairs `(i, j)`, `i ≠ j`, as float32 `[N, N]` 0/1 tensors. */
export type PairMasks = {
  /** Same label, `i ≠ j`. */
  positive: tf.Tensor2D;
  /** Different labels. */
  negative: tf.Tensor2D;
};

/** Positive and negative pair masks from int32 labels `[N]` (what PML's `get_all_pairs_indices` lists). */
export function pairMasks(labels: tf.Tensor1D): PairMasks {
  return tf.tidy(() => {
    const n = labels.shape[0];
    const same = tf.cast(tf.equal(tf.expandDims(labels, 1), tf.expandDims(labels, 0)), 'float32') as tf.Tensor2D;
    const positive = tf.sub(same, tf.eye(n)) as tf.Tensor2D;
    const negative = tf.sub(1, same) as tf.Tensor2D;
    return { positive, negative };
  });
}

/** Whether each row has any 1 in `mask`, as float32 `[N]` 0/1. */
export function rowHasAny(mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.greater(tf.sum(mask, 1), 0), 'float32') as tf.Tensor1D);
}

/**
 * `log(1 + Σ_{mask} e^x)` along `axis` (`addOne`), or `log Σ_{mask} e^x`, with 0 where the mask
 * selects nothing: PML's `lmu.logsumexp(x, keep_mask, add_one)`. Masked-out entries contribute
 * exactly nothing and never reach an `exp` (they are replaced before it), so any scale of `x` is safe
 * on every backend, half floats included.
 */
export function maskedLogSumExp(x: tf.Tensor2D, mask: tf.Tensor2D, axis: 0 | 1, addOne: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const any = tf.greater(tf.sum(mask, axis), 0);
    // The stabilizer: the largest kept value (the global minimum fills the rest, so it never wins).
    // Filled arithmetically: tf.broadcastTo's gradient is tf.tile's, one slice per element.
    const lowest = stopGradient(tf.min(x));
    const filled = tf.add(tf.mul(x, mask), tf.mul(tf.sub(1, mask), lowest));
    let top = tf.max(filled, axis);
    if (addOne) top = tf.maximum(top, 0);
    const m = stopGradient(top);
    const shifted = tf.sub(filled, axis === 1 ? tf.expandDims(m, 1) : tf.expandDims(m, 0));
    let total = tf.sum(tf.mul(tf.exp(shifted), mask), axis);
    if (addOne) total = tf.add(total, tf.exp(tf.neg(m)));
    const safe = tf.where(any, total, tf.onesLike(total));
    return tf.where(any, tf.add(m, tf.log(safe)), tf.zerosLike(m)) as tf.Tensor1D;
  });
}
