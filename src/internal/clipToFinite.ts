import * as tf from '@tensorflow/tfjs-core';
import { isHalfPrecision } from './precision';

/**
 * Clamps ±Infinity (and anything beyond ±1e38, or ±6e4 on half-float textures) to a large finite
 * value; NaN stays NaN. Softmax of a row then has a meaning for every non-NaN input: `+∞` entries
 * take all the probability (shared when tied), and a row with no finite entry (every class masked
 * with `−∞`) is a row of equal logits, so uniform — where `x − max x` would give `∞ − ∞ = NaN`.
 * (Not the largest float itself: WebGL shaders do not all parse 3.4028234663852886e38 as finite.)
 */
export function clipToFinite(x: tf.Tensor): tf.Tensor {
  const largest = isHalfPrecision() ? 6e4 : 1e38;
  return tf.maximum(tf.minimum(x, largest), -largest);
}
