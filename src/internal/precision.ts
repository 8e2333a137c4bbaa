import * as tf from '@tensorflow/tfjs-core';

/**
 * True when the active backend stores tensors as half floats: WebGL with `WEBGL_FORCE_F16_TEXTURES`
 * or without float32 render targets (most phones). `backend().floatPrecision()` cannot be trusted
 * for this on WebGL (tfjs issue #6980), so the flags are read directly.
 */
export function isHalfPrecision(): boolean {
  if (tf.getBackend() !== 'webgl') return false;
  const env = tf.env();
  try {
    return env.getBool('WEBGL_FORCE_F16_TEXTURES') || !env.getBool('WEBGL_RENDER_FLOAT32_ENABLED');
  } catch {
    return false;
  }
}

/**
 * Smallest squared norm we divide by. Half floats flush anything below ~6.1e-5 (their smallest
 * normal number) to zero, which would turn `x / sqrt(max(|x|^2, eps))` into 0/0 at the zero vector.
 */
export function squaredNormEpsilon(requested: number): number {
  return isHalfPrecision() ? Math.max(requested, 6.2e-5) : requested;
}

/** Clamp bound for cosines before `sqrt(1 - c^2)`: keeps the result and its derivative finite. */
export function cosineClampBound(): number {
  return isHalfPrecision() ? 1 - 1e-3 : 1 - 1e-7;
}
