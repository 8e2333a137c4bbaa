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
 */
export function cosFaceLoss(config: { scale?: number; margin?: number } = {}): LossFunction {
  const where = 'losses.cosFaceLoss';
  knownKeys(where, 'config', config, ['scale', 'margin']);
  const scale = scaleInRange(where, config.scale ?? 64);
  const margin = cosineMarginInRange(where, 'margin', config.margin ?? 0.35);
  return marginCrossEntropyLoss(where, additiveCosineMargin(margin), scale, 'exact');
}
