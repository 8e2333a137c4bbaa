import * as tf from '@tensorflow/tfjs-core';

/**
 * `exp(z)` for `z ≤ 0` (log-probabilities, `x − max x`). On WebGL it computes `exp(min(z, 0))`, which
 * is identical for such `z`: packed WebGL textures carry padding texels holding garbage, `exp` of that
 * garbage overflows (above ~11 in half floats) to Infinity, and a later transposed matMul multiplies it
 * by zero padding — 0 · ∞ = NaN across a whole gradient. Seen with WEBGL_FORCE_F16_TEXTURES and a
 * batch of 3 (tfjs 4.22); clamping keeps padding finite. Other backends skip the extra pass.
 */
export function expNonPositive(z: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'webgl' ? tf.tidy(() => tf.exp(tf.minimum(z, 0))) : tf.exp(z);
}
