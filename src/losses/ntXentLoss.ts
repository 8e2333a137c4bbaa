import * as tf from '@tensorflow/tfjs-core';
import { labelLoss } from './labelTargets';
import { maskedLogSumExp, rowHasAny } from '../internal/pairMasks';
import type { LossFunction } from '../internal/types';
import { knownKeys } from '../internal/validate';
import { bothPresent, checkInputsArg, meanOverCount, metricBatch, perSample, temperatureArg } from './metricBatch';

/** Options of {@link ntXentLoss}. */
export interface NtXentLossOptions {
  /** The temperature `T` (≥ 1e-4). Default `0.07`. */
  temperature?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
}

/**
 * NT-Xent, the normalized temperature-scaled cross-entropy (Chen et al., ICML 2020, "A Simple Framework
 * for Contrastive Learning of Visual Representations"; SimCLR), with pytorch-metric-learning 2.9's
 * `NTXentLoss` semantics: positives are the same-label pairs. Per ordered positive pair `(a, p)`,
 * `L_ap = −log(e^{s_ap/T} / (e^{s_ap/T} + Σ_{n ∈ N(a)} e^{s_an/T}))` (other positives are not in the
 * denominator), the plain mean over positive pairs; 0 when the batch lacks positive or negative pairs.
 * For SimCLR, label the two views of an image alike. Compile-ready (integer labels as targets; returns
 * `[N]` values equal to the batch loss). `N ≤ 4096`.
 *
 * @example
 * ```ts
 * const loss = losses.ntXentLoss({ temperature: 0.5 });
 * const views = tf.tensor2d([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]]); // two views of two images
 * tf.mean(loss(tf.tensor1d([0, 0, 1, 1], 'int32'), views)).print();
 * ```
 */
export function ntXentLoss(options: NtXentLossOptions = {}): LossFunction {
  const where = 'losses.ntXentLoss';
  knownKeys(where, 'options', options, ['temperature', 'checkInputs']);
  const temperature = temperatureArg(where, options.temperature ?? 0.07);
  const checkInputs = checkInputsArg(where, options.checkInputs);
  return labelLoss((yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { matrix, positive, negative, n } = metricBatch(where, yTrue, yPred, 'cosine', checkInputs);
      const x = tf.div(matrix, temperature) as tf.Tensor2D;
      // log Σ_neg e^{x_an} per anchor; an anchor without negatives has L_ap = 0 (PML: log(1 + tiny)).
      const negatives = maskedLogSumExp(x, negative, 1, false);
      const perPair = tf.softplus(tf.sub(tf.expandDims(negatives, 1), x));
      const weights = tf.mul(positive, tf.expandDims(rowHasAny(negative), 1));
      const loss = meanOverCount(tf.sum(tf.mul(perPair, weights)), tf.sum(positive));
      return perSample(tf.mul(loss, bothPresent(positive, negative)) as tf.Scalar, n);
    }),
  );
}
