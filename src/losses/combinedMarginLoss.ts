import { cosineMarginInRange, multiplicativeFactorInRange, scaleInRange } from '../internal/bounds';
import { knownKeys, numberInRange } from '../internal/validate';
import { combinedAngularMargin } from '../ops/margins/angularMargin';
import { marginCrossEntropyLoss } from './marginCrossEntropy';
import type { LossFunction } from '../internal/types';

/**
 * insightface's combined margin loss for a model whose output is cosines: target logit
 * `s (cos(m1 θ_y + m2) − m3)` with the monotone fallback of `layers.combinedMargin`, others `s cos θ_j`.
 * Defaults `scale` 64, `m1` 1, `m2` 0.5, `m3` 0 (ArcFace).
 *
 * @example
 * ```ts
 * const loss = losses.combinedMarginLoss({ scale: 16, m1: 1, m2: 0.3, m3: 0.2 });
 * const cosines = tf.tensor2d([[0.9, 0.1, -0.2]]); // what normalizedDense({units: 3, scale: 1}) outputs
 * loss(tf.tensor2d([[1, 0, 0]]), cosines).print(); // per-sample loss with the margin on class 0
 * ```
 */
export function combinedMarginLoss(
  config: { scale?: number; m1?: number; m2?: number; m3?: number } = {},
): LossFunction {
  const where = 'losses.combinedMarginLoss';
  knownKeys(where, 'config', config, ['scale', 'm1', 'm2', 'm3']);
  const scale = scaleInRange(where, config.scale ?? 64);
  const m1 = multiplicativeFactorInRange(where, 'm1', config.m1 ?? 1);
  const m2 = numberInRange(where, 'm2', config.m2 ?? 0.5, 0, Math.PI);
  const m3 = cosineMarginInRange(where, 'm3', config.m3 ?? 0);
  return marginCrossEntropyLoss(where, combinedAngularMargin(m1, m2, m3), scale, 'exact');
}
