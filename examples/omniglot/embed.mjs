// Ink images → embeddings, as the benchmark scores them: one module for the Omniglot benchmark, the
// enrolment page and the tests. Each image is embedded at a few whole-pixel shifts (`shifts`: 1, 5 or
// 9 — test-time averaging, the model's `tta`) and the unit embeddings are averaged.
import * as tf from '@tensorflow/tfjs';
import { shiftInk } from './augment.mjs';

/** Whole-pixel shifts averaged at test time: none, the 4 neighbours, or the 3×3 square. */
export const SHIFTS = {
  1: [[0, 0]],
  5: [
    [0, 0],
    [1, 0],
    [-1, 0],
    [0, 1],
    [0, -1],
  ],
  9: [-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => [dx, dy])),
};

/** Stacks `size`×`size` ink images into a `[n, size, size, 1]` tensor. */
export function stackInks(images, size) {
  const data = new Float32Array(images.length * size * size);
  images.forEach((img, i) => data.set(img, i * size * size));
  return tf.tensor4d(data, [images.length, size, size, 1]);
}

/**
 * The `[n, D]` tensor of embeddings of `images` by `model` (image → embedding): the mean of the unit
 * embeddings of each image's `shifts` shifted copies (each copy votes with its direction, as cosine
 * scoring does). The caller disposes it.
 */
export function embedInksTensor(model, images, { size, shifts = 1, batchSize = 256 }) {
  if (!(shifts in SHIFTS)) throw new Error(`shifts must be 1, 5 or 9 (got ${shifts})`);
  return tf.tidy(() => {
    let sum = null;
    for (const [dx, dy] of SHIFTS[shifts]) {
      const shifted =
        dx === 0 && dy === 0
          ? images
          : images.map((img) => {
              const o = new Float32Array(size * size);
              shiftInk(img, o, size, dx, dy);
              return o;
            });
      const e = model.predict(stackInks(shifted, size), { batchSize });
      const unit = tf.div(e, tf.norm(e, 'euclidean', -1, true));
      sum = sum === null ? unit : tf.add(sum, unit);
    }
    return sum;
  });
}

/** {@link embedInksTensor} read back as rows (arrays of numbers). */
export async function embedInks(model, images, options) {
  const e = embedInksTensor(model, images, options);
  const rows = await e.array();
  e.dispose();
  return rows;
}
