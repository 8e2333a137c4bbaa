// Three everyday tasks with tfjs-margin, on real MNIST digits:
//  1. add an ArcFace head to an existing tfjs classifier and fine-tune it as an embedding network;
//  2. save it and load it back (file://), with identical outputs;
//  3. extract embeddings and match queries against a gallery (the package's `gallery` namespace) of
//     identities never seen in training (digits 7-9 enrolled from 5 images each), plus retrieval metrics.
//
//   node examples/gallery/search.mjs [--backend tensorflow|wasm|cpu]
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gallery, layers, losses, metrics } from 'tfjs-margin';
import { faceStyleSplits } from '../mnist/data.mjs';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'auto' } } });
if (args.backend === 'auto' || args.backend === 'tensorflow') {
  try {
    require('@tensorflow/tfjs-node');
  } catch {
    await import('@tensorflow/tfjs-backend-wasm');
  }
} else if (args.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(args.backend === 'auto' ? (tf.findBackend('tensorflow') ? 'tensorflow' : 'wasm') : args.backend);

const data = faceStyleSplits({ trainPerDigit: 300, testPerDigit: 50, openPerDigit: 60, pairs: 10 });
const x = tf.tensor2d(data.train.images, [data.train.count, 784]);
const yOneHot = tf.oneHot(tf.tensor1d(data.train.labels, 'int32'), 7).toFloat();

// 1a. Somebody's existing model: an ordinary softmax classifier, already trained.
const existing = tf.sequential({
  layers: [
    tf.layers.dense({ units: 128, activation: 'relu', inputShape: [784], name: 'hidden' }),
    tf.layers.dense({ units: 32, name: 'features' }),
    tf.layers.dense({ units: 7, activation: 'softmax', name: 'classes' }),
  ],
});
existing.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
await existing.fit(x, yOneHot, { epochs: 2, batchSize: 64, verbose: 0 });
console.log(`existing classifier: ${existing.layers.map((l) => l.name).join(' -> ')}`);

// 1b. Keep its layers up to 'features', add a label input and an ArcFace head, fine-tune.
const image = tf.input({ shape: [784], name: 'image' });
const label = tf.input({ shape: [1], name: 'label' });
const features = existing.getLayer('features').apply(existing.getLayer('hidden').apply(image));
const head = layers.arcFace({ numClasses: 7, margin: 0.4, scale: 16, name: 'arcface' });
const model = tf.model({ inputs: [image, label], outputs: head.apply([features, label]) });
model.compile({ optimizer: tf.train.adam(1e-3), loss: losses.softmaxCrossEntropy });
const labels = tf.tensor2d(Float32Array.from(data.train.labels), [data.train.count, 1]);
const history = await model.fit([x, labels], yOneHot, { epochs: 6, batchSize: 64, verbose: 0 });
const loss = history.history.loss;
console.log(`fine-tuned with ArcFace: loss ${loss[0].toFixed(3)} -> ${loss.at(-1).toFixed(3)}`);

// 2. Save and load: importing tfjs-margin registered ArcFace with tfjs's serialization.
const dir = mkdtempSync(path.join(tmpdir(), 'tfjs-margin-gallery-'));
await model.save(`file://${dir}`);
const loaded = await tf.loadLayersModel(`file://${dir}/model.json`);
const probe = [x.slice([0, 0], [8, 784]), labels.slice([0, 0], [8, 1])];
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(probe), loaded.predict(probe)))).dataSync()[0]);
console.log(`saved to ${dir} and loaded back: max |logit difference| = ${diff}`);

// 3. Embeddings of unseen identities: enroll digits 7-9 from 5 images each, then identify the rest.
const embed = layers.embeddingModel(loaded);
const open = tf.tensor2d(data.open.images, [data.open.count, 784]);
const e = embed.predict(open);
const rows = await e.array();
const enrolled = [0, 1, 2].map((k) =>
  rows
    .map((r, i) => [r, i])
    .filter(([, i]) => data.open.labels[i] === k)
    .slice(0, 5),
);
// The package's gallery: exact cosine search on the backend, each identity scored by its closest entry.
const g = gallery.create({ dim: e.shape[1] });
for (const [k, members] of enrolled.entries())
  await g.add(
    String(7 + k),
    members.map(([row]) => row),
  );
const used = new Set(enrolled.flat().map(([, i]) => i));
const queryRows = rows.map((_, i) => i).filter((i) => !used.has(i));
const found = await g.search(
  queryRows.map((i) => rows[i]),
  { k: 1 },
);
let correct = 0;
const queries = queryRows.length;
const examples = [];
found.forEach(([best], j) => {
  const truth = String(7 + data.open.labels[queryRows[j]]);
  if (best.name === truth) correct++;
  if (examples.length < 4) examples.push(`query digit ${truth} -> gallery ${best.name} (cos ${best.score.toFixed(3)})`);
});
g.dispose();
console.log(`gallery of 3 unseen identities: ${examples.join('; ')}`);
console.log(`identification accuracy on ${queries} queries: ${((100 * correct) / queries).toFixed(1)}%`);
const r = metrics.retrieval(rows, data.open.labels);
console.log(
  `leave-one-out retrieval among unseen digits: P@1 ${r.precisionAt1.toFixed(3)}, R-precision ${r.rPrecision.toFixed(3)}, MAP@R ${r.mapAtR.toFixed(3)}`,
);
tf.dispose([x, yOneHot, labels, open, e, ...probe]);
