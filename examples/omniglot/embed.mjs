// Ink images → embeddings, as the benchmark scores them: one module for the Omniglot benchmark, the
// enrolment page and the tests. Each image is embedded at a few whole-pixel shifts (`shifts`: 1, 5 or
// 9 — test-time averaging, the model's `tta`) and the unit embeddings are averaged. With `views` 4
// (or 8), the same is done for the image's quarter turns (and their mirror images) and the unit
// results are concatenated: a model trained with rotations as identities sees each turn as another
// character, so the cosine of two concatenations is the mean of the per-turn cosines.
import * as tf from '@tensorflow/tfjs';
import { rotateInk, shiftInk } from './augment.mjs';

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

/** The image turned into each view: quarter turns 0–3, then (views 8) their mirror images. */
function view(images, size, v) {
  if (v === 0) return images;
  return images.map((img) => rotateInk(img, size, v % 4, v >= 4));
}

/**
 * The `[n, D·views]` tensor of embeddings of `images` by `model` (image → embedding): per view (the
 * image itself, or its quarter turns and mirror images), the mean of the unit embeddings of its
 * `shifts` shifted copies (each copy votes with its direction, as cosine scoring does), scaled to unit
 * length when there are several views, so the views weigh alike; the views side by side. The caller
 * disposes it.
 */
export function embedInksTensor(model, images, { size, shifts = 1, views = 1, batchSize = 256 }) {
  if (!(shifts in SHIFTS)) throw new Error(`shifts must be 1, 5 or 9 (got ${shifts})`);
  if (![1, 4, 8].includes(views)) throw new Error(`views must be 1, 4 or 8 (got ${views})`);
  return tf.tidy(() => {
    const perView = [];
    for (let v = 0; v < views; v++) {
      const turned = view(images, size, v);
      let sum = null;
      for (const [dx, dy] of SHIFTS[shifts]) {
        const shifted =
          dx === 0 && dy === 0
            ? turned
            : turned.map((img) => {
                const o = new Float32Array(size * size);
                shiftInk(img, o, size, dx, dy);
                return o;
              });
        const e = model.predict(stackInks(shifted, size), { batchSize });
        const unit = tf.div(e, tf.norm(e, 'euclidean', -1, true));
        sum = sum === null ? unit : tf.add(sum, unit);
      }
      perView.push(views === 1 ? sum : tf.div(sum, tf.norm(sum, 'euclidean', -1, true)));
    }
    return views === 1 ? perView[0] : tf.concat(perView, -1);
  });
}

/** {@link embedInksTensor} read back as rows (arrays of numbers). */
export async function embedInks(model, images, options) {
  const e = embedInksTensor(model, images, options);
  const rows = await e.array();
  e.dispose();
  return rows;
}
