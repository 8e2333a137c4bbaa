import { cosineMarginInRange } from '../../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import type { TargetMargin } from './targetMargin';

/**
 * AM-Softmax / CosFace target: `ψ(c) = c − m`, `ψ'(c) = 1` (Wang et al. 2018, "Additive Margin Softmax
 * for Face Verification"; Wang et al. 2018, "CosFace: Large Margin Cosine Loss").
 *
 * @example
 * ```ts
 * const { value } = ops.margins.additiveCosineMargin(0.35).apply(tf.tensor1d([0.9]), 'exact');
 * value.print(); // [0.55]
 * ```
 */
export function additiveCosineMargin(m: number): TargetMargin {
  cosineMarginInRange('ops.margins.additiveCosineMargin', 'm', m);
  return { apply: (c) => ({ value: tf.sub(c, m), derivative: null }) };
}
