// Test-time views (examples/omniglot/embed.mjs, `views`) with a model whose embedding is the image
// itself (a dense identity), printed as JSON for the jest spec.
import * as tf from '@tensorflow/tfjs';
import { rotateInk } from '../../examples/omniglot/augment.mjs';
import { embedInks } from '../../examples/omniglot/embed.mjs';

const size = 4;
const d = size * size;
const model = tf.sequential({
  layers: [
    tf.layers.flatten({ inputShape: [size, size, 1] }),
    tf.layers.dense({ units: d, useBias: false, weights: [tf.eye(d)] }),
  ],
});
const img = Float32Array.from({ length: d }, (_, i) => ((i * 7) % 5) + 1);
const other = Float32Array.from({ length: d }, (_, i) => ((i * 3) % 4) + (i === 5 ? 9 : 0));
const before = tf.memory().numTensors;
const one = await embedInks(model, [img], { size, shifts: 1 });
const four = await embedInks(model, [img, rotateInk(img, size, 1), other], { size, shifts: 1, views: 4 });
const eight = await embedInks(model, [img, rotateInk(img, size, 0, true)], { size, shifts: 5, views: 8 });
const leaked = tf.memory().numTensors - before;
let bad = null;
try {
  await embedInks(model, [img], { size, views: 3 });
} catch (err) {
  bad = err.message;
}
const unit = (v) => {
  const n = Math.hypot(...v);
  return Array.from(v, (x) => x / n);
};
const views4 = [0, 1, 2, 3].map((t) => unit(rotateInk(img, size, t)));
const otherViews = [0, 1, 2, 3].map((t) => unit(rotateInk(other, size, t)));
console.log(JSON.stringify({ one, four, eight, views4, otherViews, unitImg: unit(img), bad, leaked, d }));
