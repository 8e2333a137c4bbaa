import * as tf from '@tensorflow/tfjs-core';
import { labelLoss } from './labelTargets';
import { maskedLogSumExp } from '../internal/pairMasks';
import type { LossFunction } from '../internal/types';
import { knownKeys } from '../internal/validate';
import { nonZeroMean } from './contrastiveLoss';
import { bothPresent, checkInputsArg, metricBatch, perSample, temperatureArg } from './metricBatch';

/** Options of {@link supervisedContrastiveLoss}. */
export interface SupervisedContrastiveLossOptions {
  /** The temperature `T` (≥ 1e-4). Default `0.1`. */
  temperature?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
}

/**
 * The supervised contrastive loss (Khosla et al., NeurIPS 2020, "Supervised Contrastive Learning"),
 * with pytorch-metric-learning 2.9's `SupConLoss` semantics, on cosine similarities `s`: per anchor
 * `i`, `L_i = −mean_{p ∈ P(i)} (s_ip / T − log Σ_{k ≠ i} e^{s_ik / T})`, averaged over the anchors whose
 * loss is positive (anchors without positives drop out); 0 when the batch lacks positive or negative
 * pairs. Compile-ready (integer labels as targets; returns `[N]` values equal to the batch loss).
 * `N ≤ 4096`.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4] })] });
 * model.compile({ optimizer: 'adam', loss: losses.supervisedContrastiveLoss({ temperature: 0.1 }) });
 * const labels = tf.tensor1d([0, 0, 1, 1], 'int32');
 * await model.fit(tf.randomNormal([4, 4]), labels, { epochs: 1, batchSize: 4, verbose: 0 });
 * ```
 */
export function supervisedContrastiveLoss(options: SupervisedContrastiveLossOptions = {}): LossFunction {
  const where = 'losses.supervisedContrastiveLoss';
  knownKeys(where, 'options', options, ['temperature', 'checkInputs']);
  const temperature = temperatureArg(where, options.temperature ?? 0.1);
  const checkInputs = checkInputsArg(where, options.checkInputs);
  return labelLoss((yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const { matrix, positive, negative, n } = metricBatch(where, yTrue, yPred, 'cosine', checkInputs);
      const x = tf.div(matrix, temperature) as tf.Tensor2D;
      const denominator = maskedLogSumExp(x, tf.add(positive, negative) as tf.Tensor2D, 1, false);
      const logProb = tf.sub(x, tf.expandDims(denominator, 1));
      const positives = tf.maximum(tf.sum(positive, 1), 1);
      const perAnchor = tf.neg(tf.div(tf.sum(tf.mul(positive, logProb), 1), positives));
      const loss = tf.mul(nonZeroMean(perAnchor), bothPresent(positive, negative));
      return perSample(loss as tf.Scalar, n);
    }),
  );
}
