import * as tf from '@tensorflow/tfjs-core';
import { pairMasks, rowHasAny, type PairMasks } from '../internal/pairMasks';
import { constantOf } from '../internal/stopGradient';
import { knownKeys } from '../internal/validate';
import { metricBatchNoGrad, type MinerOptions } from './minerInput';
import type { PairDistance } from '../ops/pairwiseDistance';

/** One triplet per anchor: what {@link batchHard} returns. */
export type BatchHardTriplets = {
  /** `[N]` int32: `0 … N − 1`. */
  anchors: tf.Tensor1D;
  /** `[N]` int32: each anchor's hardest positive (farthest same-label sample). */
  positives: tf.Tensor1D;
  /** `[N]` int32: each anchor's hardest negative (nearest other-label sample). */
  negatives: tf.Tensor1D;
  /** `[N]` float32 0/1: 1 where the anchor has both a positive and a negative (the rest are placeholders). */
  valid: tf.Tensor1D;
};

/**
 * "Farness": distances as they are, similarities negated, so that larger is always farther (PML's
 * `distance.margin` orientation).
 */
export function farness(matrix: tf.Tensor2D, distance: PairDistance): tf.Tensor2D {
  return distance === 'euclidean' ? matrix : (tf.neg(matrix) as tf.Tensor2D);
}

/** Batch-hard indices from a farness matrix and the masks, computed off the gradient tape. */
export function batchHardIndices(far: tf.Tensor2D, masks: PairMasks): Omit<BatchHardTriplets, 'anchors'> {
  return tf.tidy(() => {
    const picked = constantOf(far, (v) =>
      tf.stack(Object.values(pickHard(v as tf.Tensor2D, masks)).map((t) => tf.cast(t, 'float32'))),
    );
    const [positives, negatives] = tf.unstack(tf.cast(picked, 'int32')) as [tf.Tensor1D, tf.Tensor1D];
    const valid = tf.mul(rowHasAny(masks.positive), rowHasAny(masks.negative)) as tf.Tensor1D;
    return { positives, negatives, valid };
  });
}

function pickHard(far: tf.Tensor2D, masks: PairMasks): { positives: tf.Tensor1D; negatives: tf.Tensor1D } {
  return tf.tidy(() => {
    const lowest = tf.sub(tf.min(far), 1);
    const highest = tf.add(tf.max(far), 1);
    const posBool = tf.cast(masks.positive, 'bool');
    const negBool = tf.cast(masks.negative, 'bool');
    const positives = tf.argMax(tf.where(posBool, far, tf.broadcastTo(lowest, far.shape)), 1) as tf.Tensor1D;
    const negatives = tf.argMin(tf.where(negBool, far, tf.broadcastTo(highest, far.shape)), 1) as tf.Tensor1D;
    return { positives, negatives };
  });
}

/**
 * Batch-hard triplet mining (Hermans et al. 2017, "In Defense of the Triplet Loss"): for each anchor,
 * its farthest positive and its nearest negative, as PML's `BatchHardMiner` picks them (ties go to the
 * lowest index). Anchors without a positive or without a negative get `valid = 0`. All on the backend,
 * no sync; memory `O(N²)`.
 *
 * @example
 * ```ts
 * const embeddings = tf.tensor2d([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]]);
 * const labels = tf.tensor1d([0, 0, 1, 1], 'int32');
 * const t = miners.batchHard(embeddings, labels);
 * t.positives.print(); // [1, 0, 3, 2]
 * t.negatives.print(); // [2, 2, 1, 1]
 * t.valid.print(); // [1, 1, 1, 1]
 * ```
 * @param embeddings `[N, D]` embeddings (normalized inside).
 * @param labels `[N]` or `[N, 1]` integer labels.
 */
export function batchHard(embeddings: tf.Tensor, labels: tf.Tensor, options: MinerOptions = {}): BatchHardTriplets {
  const where = 'miners.batchHard';
  knownKeys(where, 'options', options, ['distance', 'checkInputs']);
  return tf.tidy(() => {
    const { matrix, labels: y, distance } = metricBatchNoGrad(where, embeddings, labels, options);
    const found = batchHardIndices(farness(matrix, distance), pairMasks(y));
    return { anchors: tf.range(0, y.shape[0], 1, 'int32') as tf.Tensor1D, ...found };
  });
}
