import * as tf from '@tensorflow/tfjs-core';
import type { LossFunction } from '../internal/types';
import { knownKeys, numberInRange, positiveNumber } from '../internal/validate';
import { crossEntropyFromLogits } from './crossEntropyCore';
import { parseTargetsAndLogits } from './softmaxCrossEntropy';

/** Options of {@link softmaxCrossEntropyWith}. */
export interface SoftmaxCrossEntropyConfig {
  /**
   * Label smoothing ε in `[0, 1)`: targets become `t (1 − ε) + ε / C` (Szegedy et al. 2016,
   * "Rethinking the Inception Architecture"). Default `0`.
   */
  labelSmoothing?: number;
  /** Logits are divided by this temperature before the softmax. Finite, `> 0`. Default `1`. */
  temperature?: number;
}

/**
 * A configured softmax cross-entropy, ready for `model.compile({loss})`:
 * `L = −Σ_j t̃_j log softmax(x / τ)_j` with smoothed targets `t̃ = t (1 − ε) + ε / C`.
 *
 * @example
 * ```ts
 * const loss = losses.softmaxCrossEntropyWith({ labelSmoothing: 0.1 });
 * loss(tf.tensor2d([[0, 1]]), tf.tensor2d([[0, 2]])).print(); // targets [0.05, 0.95]
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
 * model.compile({ optimizer: 'adam', loss });
 * ```
 */
export function softmaxCrossEntropyWith(config: SoftmaxCrossEntropyConfig = {}): LossFunction {
  const where = 'losses.softmaxCrossEntropyWith';
  knownKeys(where, 'config', config, ['labelSmoothing', 'temperature']);
  const labelSmoothing = numberInRange(where, 'labelSmoothing', config.labelSmoothing ?? 0, 0, 1);
  const temperature = positiveNumber(where, 'temperature', config.temperature ?? 1);
  const loss: LossFunction = (yTrue, yPred) => {
    const [targets, logits] = parseTargetsAndLogits('losses.softmaxCrossEntropyWith(...)', yTrue, yPred);
    const out = tf.tidy(() => {
      const classes = logits.shape[logits.rank - 1]!;
      const t = labelSmoothing === 0 ? targets : tf.add(tf.mul(targets, 1 - labelSmoothing), labelSmoothing / classes);
      return crossEntropyFromLogits(t, logits, temperature);
    });
    if (targets !== yTrue) targets.dispose();
    if (logits !== yPred) logits.dispose();
    return out;
  };
  return loss;
}
