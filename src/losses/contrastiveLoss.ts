import * as tf from '@tensorflow/tfjs-core';
import { labelLoss } from './labelTargets';
import type { LossFunction } from '../internal/types';
import { constantOf } from '../internal/stopGradient';
import { knownKeys } from '../internal/validate';
import { distanceArg, type PairDistance } from '../ops/pairwiseDistance';
import { checkInputsArg, meanOverCount, metricBatch, numberBetween, pairsPresent, perSample } from './metricBatch';

/** Options of {@link contrastiveLoss}. */
export interface ContrastiveLossOptions {
  /** Positive pairs closer than this cost nothing (cosine: more similar than this). Default `0`. */
  posMargin?: number;
  /** Negative pairs farther than this cost nothing (cosine: less similar than this). Default `1`. */
  negMargin?: number;
  /** Default `'euclidean'` (between normalized embeddings). */
  distance?: PairDistance;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
}

/** `Σ losses / #(losses > 0)` over a mask, 0 when none is positive (PML's `AvgNonZeroReducer`). */
export function nonZeroMean(losses: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const count = tf.sum(constantOf(losses, (v) => tf.cast(tf.greater(v, 0), 'float32')));
    return meanOverCount(tf.sum(losses), count as tf.Scalar);
  });
}

/**
 * The contrastive loss (Hadsell, Chopra & LeCun 2006, "Dimensionality Reduction by Learning an
 * Invariant Mapping") with pytorch-metric-learning 2.9's `ContrastiveLoss` semantics: over ordered
 * pairs `i ≠ j`, `relu(d − posMargin)` for same-label pairs and `relu(negMargin − d)` for the others
 * (cosine: `relu(posMargin − s)` and `relu(s − negMargin)`); each averaged over its pairs with a
 * positive loss, and the two averages summed. Compile-ready (integer labels as targets; returns `[N]`
 * values equal to the batch loss). `N ≤ 4096`.
 *
 * @example
 * ```ts
 * const loss = losses.contrastiveLoss({ negMargin: 1 });
 * const embeddings = tf.tensor2d([[1, 0], [0.8, 0.6], [0, 1]]);
 * tf.mean(loss(tf.tensor1d([0, 0, 1], 'int32'), embeddings)).print(); // 0.6325 + 0.1056
 * ```
 */
export function contrastiveLoss(options: ContrastiveLossOptions = {}): LossFunction {
  const where = 'losses.contrastiveLoss';
  knownKeys(where, 'options', options, ['posMargin', 'negMargin', 'distance', 'checkInputs']);
  const distance = distanceArg(where, options.distance);
  const [lo, hi, why] = distance === 'euclidean' ? [0, 2, ' (distances between unit vectors)'] : [-1, 1, ' (cosines)'];
  const posMargin = numberBetween(where, 'posMargin', options.posMargin ?? 0, lo, hi, why);
  const negMargin = numberBetween(where, 'negMargin', options.negMargin ?? 1, lo, hi, why);
  const checkInputs = checkInputsArg(where, options.checkInputs);
  return labelLoss((yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { matrix, positive, negative, n } = metricBatch(where, yTrue, yPred, distance, checkInputs);
      const euclidean = distance === 'euclidean';
      const pos = tf.relu(euclidean ? tf.sub(matrix, posMargin) : tf.sub(posMargin, matrix));
      const neg = tf.relu(euclidean ? tf.sub(negMargin, matrix) : tf.sub(matrix, negMargin));
      const loss = tf.add(nonZeroMean(tf.mul(pos, positive)), nonZeroMean(tf.mul(neg, negative)));
      return perSample(tf.mul(loss, pairsPresent(positive, negative)) as tf.Scalar, n);
    }),
  );
}
