import * as tf from '@tensorflow/tfjs-core';

/**
 * Upper bounds on arguments whose cost or numeric range grows with their value. Each is far beyond
 * what the papers and practice use, and low enough that a typo gets a clear error instead of
 * exhausting memory or overflowing float32.
 */

/** L-Softmax / SphereFace integer margin: the papers use 1–4; the work grows linearly in m. */
export const MAX_MULTIPLICATIVE_MARGIN = 16;

/** Sub-centers per class: the paper uses 3 (up to 10); work and kernel size grow with K. */
export const MAX_SUB_CENTERS = 64;

/**
 * Logit scale: the papers use 16–64 (AdaCos's fixed scale for a million classes is ~20). Beyond 1e4,
 * `s · cos θ` differences lose all but the largest logit to float32 rounding.
 */
export const MAX_SCALE = 1e4;

/**
 * Elements of one weight tensor a layer allocates (a kernel `[D, C·K]`): TensorFlow indexes with
 * int32 (2^31 − 1); the other backends hold or initialise weights in JavaScript typed arrays, which
 * V8 caps at 4 GiB (2^30 float32 values).
 */
export function maxTensorElements(): number {
  return tf.getBackend() === 'tensorflow' ? 2 ** 31 - 1 : 2 ** 30 - 1;
}

/** Characters of a progress bar. */
export const MAX_BAR_WIDTH = 500;

/** Indices in one sampled batch (`classesPerBatch · samplesPerClass`). */
export const MAX_BATCH_SIZE = 1_000_000;

/**
 * Largest embedding entry for heads whose logits carry `|x|` (L-Softmax, SphereFace): with `s ≤ 1e4`,
 * `|ψ| ≤ 31` and unit-scale class centers, their logits then stay within float32 (3.4e38).
 */
export const MAX_UNNORMALIZED_EMBEDDING = 1e30;

/** The same bound on half-float textures (webgl-f16), whose largest value is 65504. */
export const MAX_UNNORMALIZED_EMBEDDING_HALF = 1e3;

/** Peak learning rate of the schedules: far above any that trains, low enough that `lr · step` stays finite. */
export const MAX_LEARNING_RATE = 1e6;
