import { cosineMarginInRange, scaleInRange } from '../internal/bounds';
import { knownKeys } from '../internal/validate';
import { additiveCosineMargin } from '../ops/margins/additiveCosineMargin';
import { marginCrossEntropyLoss } from './marginCrossEntropy';
import type { LossFunction } from '../internal/types';

/**
 * CosFace / AM-Softmax loss for a model whose output is cosines (a `layers.normalizedDense` with
 * scale 1): `L = −log softmax(s (c + t ⊙ (−m)))_y`, i.e. target logit `s (cos θ_y − m)`, others
 * `s cos θ_j` (Wang et al. 2018). Compile-ready: `model.compile({loss: losses.cosFaceLoss()})` with
 * one-hot targets. Default `scale` 64, `margin` 0.35.
 *
 * @example
 * ```ts
 * // The last layer outputs cosines (normalizedDense with scale 1); the loss adds margin and scale.
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 4, inputShape: [8] }), layers.normalizedDense({ units: 3, scale: 1 })],
 * });
 * model.compile({ optimizer: 'adam', loss: losses.cosFaceLoss({ scale: 16, margin: 0.2 }) });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * await model.fit(tf.randomNormal([4, 8]), tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
 * ```
 */
export function cosFaceLoss(config: { scale?: number; margin?: number } = {}): LossFunction {
  const where = 'losses.cosFaceLoss';
  knownKeys(where, 'config', config, ['scale', 'margin']);
  const scale = scaleInRange(where, config.scale ?? 64);
  const margin = cosineMarginInRange(where, 'margin', config.margin ?? 0.35);
  return marginCrossEntropyLoss(where, additiveCosineMargin(margin), scale, 'exact');
}
