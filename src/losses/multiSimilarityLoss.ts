import * as tf from '@tensorflow/tfjs-core';
import { labelLoss } from './labelTargets';
import { maskedLogSumExp } from '../internal/pairMasks';
import type { LossFunction } from '../internal/types';
import { booleanArg, knownKeys, nonNegativeNumber, positiveNumber } from '../internal/validate';
import { multiSimilarityMasks } from '../miners/multiSimilarity';
import { checkInputsArg, metricBatch, numberBetween, pairsPresent, perSample } from './metricBatch';

/** Options of {@link multiSimilarityLoss}. */
export interface MultiSimilarityLossOptions {
  /** The positive pairs' weight `α` (> 0). Default `2`. */
  alpha?: number;
  /** The negative pairs' weight `β` (> 0). Default `50`. */
  beta?: number;
  /** The similarity offset `λ` (in `[−1, 1]`). Default `0.5`. */
  base?: number;
  /** Mine pairs first with the multi-similarity miner (as `miners.multiSimilarity`). Default `true`. */
  mining?: boolean;
  /** The miner's slack `ε` (≥ 0). Default `0.1`. */
  epsilon?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
}

/**
 * The multi-similarity loss (Wang et al., CVPR 2019, "Multi-Similarity Loss with General Pair Weighting
 * for Deep Metric Learning") with pytorch-metric-learning 2.9's `MultiSimilarityLoss`, after its
 * `MultiSimilarityMiner(ε)` when `mining` is on (the paper's recipe). On cosine similarities, per
 * anchor `a`: `L_a = (1/α) log(1 + Σ_{p} e^{−α(s_ap − λ)}) + (1/β) log(1 + Σ_{n} e^{β(s_an − λ)})` over
 * its (mined) positive and negative pairs, the mean over all `N` anchors (those with no pairs count 0).
 * As in PML, the loss is 0 when at most one positive and at most one negative pair are left.
 * Compile-ready (integer labels as targets; returns `[N]` values equal to the batch loss). `N ≤ 4096`.
 *
 * @example
 * ```ts
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4] })] });
 * model.compile({ optimizer: 'adam', loss: losses.multiSimilarityLoss() });
 * const labels = tf.tensor1d([0, 0, 1, 1, 2, 2], 'int32');
 * await model.fit(tf.randomNormal([6, 4]), labels, { epochs: 1, batchSize: 6, verbose: 0 });
 * ```
 */
export function multiSimilarityLoss(options: MultiSimilarityLossOptions = {}): LossFunction {
  const where = 'losses.multiSimilarityLoss';
  knownKeys(where, 'options', options, ['alpha', 'beta', 'base', 'mining', 'epsilon', 'checkInputs']);
  const alpha = positiveNumber(where, 'alpha', options.alpha ?? 2);
  const beta = positiveNumber(where, 'beta', options.beta ?? 50);
  const base = numberBetween(where, 'base', options.base ?? 0.5, -1, 1, ' (a cosine)');
  const mining = booleanArg(where, 'mining', options.mining ?? true);
  const epsilon = nonNegativeNumber(where, 'epsilon', options.epsilon ?? 0.1);
  const checkInputs = checkInputsArg(where, options.checkInputs);
  return labelLoss((yTrue: tf.Tensor, yPred: tf.Tensor) =>
    tf.tidy(() => {
      const batch = metricBatch(where, yTrue, yPred, 'cosine', checkInputs);
      const s = batch.matrix;
      const { positive, negative } = mining ? multiSimilarityMasks(s, batch, epsilon) : batch;
      const shifted = tf.sub(s, base) as tf.Tensor2D;
      const pos = tf.div(maskedLogSumExp(tf.mul(shifted, -alpha) as tf.Tensor2D, positive, 1, true), alpha);
      const neg = tf.div(maskedLogSumExp(tf.mul(shifted, beta) as tf.Tensor2D, negative, 1, true), beta);
      const loss = tf.mul(tf.mean(tf.add(pos, neg)), pairsPresent(positive, negative));
      return perSample(loss as tf.Scalar, batch.n);
    }),
  );
}
