import { scaleInRange } from '../internal/bounds';
import { booleanArg, knownKeys, numberInRange } from '../internal/validate';
import { additiveAngularMargin } from '../ops/margins/angularMargin';
import { marginCrossEntropyLoss } from './marginCrossEntropy';
import type { LossFunction } from '../internal/types';

/**
 * ArcFace loss for a model whose output is cosines (a `layers.normalizedDense` with scale 1): target
 * logit `s cos(θ_y + m)` (`s (cos θ_y − m sin m)` beyond `θ_y > π − m`; with `easyMargin`, the margin only
 * where `cos θ_y > 0`), others `s cos θ_j` (Deng et al. 2019). Margin in radians, default 0.5; scale 64.
 *
 * @example
 * ```ts
 * const model = tf.sequential({
 *   layers: [tf.layers.dense({ units: 4, inputShape: [8] }), layers.normalizedDense({ units: 3, scale: 1 })],
 * });
 * model.compile({ optimizer: 'adam', loss: losses.arcFaceLoss({ scale: 16, margin: 0.3 }) });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * await model.fit(tf.randomNormal([4, 8]), tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
 * ```
 */
export function arcFaceLoss(config: { scale?: number; margin?: number; easyMargin?: boolean } = {}): LossFunction {
  const where = 'losses.arcFaceLoss';
  knownKeys(where, 'config', config, ['scale', 'margin', 'easyMargin']);
  const scale = scaleInRange(where, config.scale ?? 64);
  const margin = numberInRange(where, 'margin', config.margin ?? 0.5, 0, Math.PI);
  const easyMargin = booleanArg(where, 'easyMargin', config.easyMargin ?? false);
  return marginCrossEntropyLoss(where, additiveAngularMargin(margin, easyMargin), scale, 'exact');
}
