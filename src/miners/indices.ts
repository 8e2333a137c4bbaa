import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { tensorArg } from '../internal/validate';

/** Ordered pairs as index tensors. */
export interface PairIndices {
  /** `[P]` int32. */
  anchors: tf.Tensor1D;
  /** `[P]` int32. */
  others: tf.Tensor1D;
}

/** Triplets as index tensors. */
export interface TripletIndices {
  anchors: tf.Tensor1D;
  positives: tf.Tensor1D;
  negatives: tf.Tensor1D;
}

function columns(where: string, mask: unknown, rank: number): tf.Tensor {
  const t = tensorArg(where, 'mask', mask);
  if (t.rank !== rank) {
    throw new MarginArgumentError(where, 'mask', `a rank-${rank} 0/1 mask (what the miners return)`, t);
  }
  return t;
}

async function nonZero(mask: tf.Tensor): Promise<tf.Tensor1D[]> {
  const bool = tf.cast(mask, 'bool');
  const found = await tf.whereAsync(bool);
  bool.dispose();
  try {
    const k = found.shape[1]!;
    return tf.tidy(() => tf.split(found, k, 1).map((c) => tf.reshape(c, [-1]) as tf.Tensor1D));
  } finally {
    found.dispose();
  }
}

/**
 * The pairs an `[N, N]` mask selects (a mined `positive` or `negative` mask), as PML-style index
 * tensors `(anchors, others)` in row-major order. Asynchronous: the count is data-dependent.
 *
 * @example
 * ```ts
 * const { anchors, others } = await miners.pairIndices(tf.tensor2d([[0, 1], [1, 0]]));
 * anchors.print(); // [0, 1]
 * others.print(); // [1, 0]
 * ```
 */
export async function pairIndices(mask: tf.Tensor): Promise<PairIndices> {
  const [anchors, others] = await nonZero(columns('miners.pairIndices', mask, 2));
  return { anchors: anchors!, others: others! };
}

/**
 * The triplets an `[N, N, N]` mask selects (what `miners.semiHard` returns), as index tensors.
 *
 * @example
 * ```ts
 * const mask = tf.zeros([3, 3, 3]).bufferSync();
 * mask.set(1, 0, 1, 2);
 * const t = await miners.tripletIndices(mask.toTensor());
 * t.negatives.print(); // [2]
 * ```
 */
export async function tripletIndices(mask: tf.Tensor): Promise<TripletIndices> {
  const [anchors, positives, negatives] = await nonZero(columns('miners.tripletIndices', mask, 3));
  return { anchors: anchors!, positives: positives!, negatives: negatives! };
}
