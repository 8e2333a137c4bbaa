import * as tf from '@tensorflow/tfjs-core';
import { isHalfPrecision } from './precision';

/**
 * Clamps ±Infinity to the largest finite value of the backend's storage (float32, or 65504 on
 * half-float textures); NaN stays NaN. Softmax of a row then has a meaning for every non-NaN input:
 * `+∞` entries take all the probability (shared when tied), and a row with no finite entry
 * (every class masked with `−∞`) is a row of equal logits, so uniform — where `x − max x` would
 * give `∞ − ∞ = NaN`.
 */
export function clipToFinite(x: tf.Tensor): tf.Tensor {
  const largest = isHalfPrecision() ? 65504 : 3.4028234663852886e38;
  return tf.clipByValue(x, -largest, largest);
}
