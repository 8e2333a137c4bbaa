// Million-class heads: one training step of Partial FC (insightface's class-center sampling) against
// full-softmax steps, side by side in one run on one backend.
//
//   node bench/partialFC.mjs [--backend tensorflow] [--n 256] [--d 512] [--classes 1000000]
//                            [--rate 0.1] [--full-classes 100000] [--reps 5] [--json out.json]
//
// Rows: floor (x·W + tf.losses.softmaxCrossEntropy, autodiff, SGD) and ArcFace (tfjs-margin, SGD)
// at C = full-classes; Partial FC (ArcFace margin, sampleRate) at C = classes. A step = forward +
// backward + update (Partial FC: the embedding sink by the tfjs optimizer, the sampled centers by
// the layer's own SGD-momentum step). Time: median over reps of 3 steps ended by a device read.
// Memory: tfjs-tracked tensor bytes held after the steps, and the process's peak resident set.
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';
import { makeStep } from './core.mjs';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    n: { type: 'string', default: '256' },
    d: { type: 'string', default: '512' },
    classes: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '0.1' },
    'full-classes': { type: 'string', default: '100000' },
    reps: { type: 'string', default: '5' },
    momentum: { type: 'string', default: '0.9' },
    'skip-speed': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const n = Number(a.n);
const d = Number(a.d);
const big = Number(a.classes);
const rate = Number(a.rate);
const full = Number(a['full-classes']);
const reps = Number(a.reps);
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;

async function time(step) {
  for (let i = 0; i < 2; i++) (await step()).dispose(); // warm-up (and Partial FC's momentum buffer)
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    let last = null;
    for (let i = 0; i < 3; i++) {
      last?.dispose();
      last = step();
    }
    await last.data();
    last.dispose();
    samples.push((performance.now() - t0) / 3);
  }
  return median(samples);
}

async function fullRow(variant, c) {
  const before = tf.memory().numBytes;
  const { step, dispose } = makeStep(tf, margin, variant, { n, d, c });
  const ms = await time(step);
  const held = tf.memory().numBytes - before;
  dispose();
  return { variant, classes: c, sampled: c, ms, heldBytes: held };
}

async function partialRow(c, sampleRate) {
  const before = tf.memory().numBytes;
  const x = tf.variable(tf.randomNormal([n, d], 0, 1, 'float32', 1));
  const labels = tf.randomUniform([n], 0, c, 'int32', 2);
  const head = margin.layers.partialFC({
    numClasses: c,
    sampleRate,
    seed: 3,
    checkInputs: false,
    momentum: Number(a.momentum),
  });
  const tInit = performance.now();
  head.apply([x, labels]).dispose(); // builds the [C, D] centers
  const initMs = performance.now() - tInit;
  const tap = head.trainableWeights[0].read();
  const optimizer = tf.train.sgd(1e-3);
  const step = () => optimizer.minimize(() => tf.mean(head.apply([x, labels], { training: true })), true, [x, tap]);
  const ms = await time(step);
  const held = tf.memory().numBytes - before;
  optimizer.dispose();
  head.dispose();
  tf.dispose([x, labels]);
  return { variant: 'partialFC', classes: c, sampled: head.sampleSize(n), ms, heldBytes: held, initMs };
}

/**
 * Equal accuracy where both fit: 1,000 synthetic identities (Gaussian clusters in 64-d with noise σ = 1.3, 8 training and
 * 4 held-out samples each) learned through a trainable dense layer by full softmax (sampleRate 1)
 * and by Partial FC at `rate`, 30 epochs each; accuracy of the margin-free logits on the held-out samples.
 */
async function accuracyRow(sampleRate) {
  const c = 1000;
  const dim = 64;
  const centers = tf.randomNormal([c, dim], 0, 1, 'float32', 7);
  const make = (per, seed) =>
    tf.tidy(() => {
      const labels = tf.tile(tf.range(0, c, 1, 'int32'), [per]);
      const x = tf.add(tf.gather(centers, labels), tf.randomNormal([c * per, dim], 0, 1.3, 'float32', seed));
      return { x, labels, y: tf.reshape(tf.cast(labels, 'float32'), [-1, 1]) };
    });
  const train = make(8, 8);
  const test = make(4, 9);
  const input = tf.input({ shape: [dim] });
  const label = tf.input({ shape: [1] });
  const emb = tf.layers
    .dense({ units: dim, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
    .apply(input);
  const head = margin.layers.partialFC({ numClasses: c, sampleRate, m2: 0.3, scale: 32, learningRate: 0.5, seed: 4 });
  const model = tf.model({ inputs: [input, label], outputs: head.apply([emb, label]) });
  const optimizer = tf.train.adam(3e-3);
  model.compile({ optimizer, loss: margin.losses.precomputedLoss });
  const t0 = performance.now();
  await model.fit([train.x, train.y], train.y, { epochs: 30, batchSize: 128, verbose: 0 });
  const seconds = (performance.now() - t0) / 1000;
  const embedder = tf.model({ inputs: input, outputs: emb });
  const predicted = tf.tidy(() => head.apply(embedder.predict(test.x)).argMax(-1));
  const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(predicted, test.labels), 'float32')).dataSync()[0]);
  tf.dispose([centers, train.x, train.labels, train.y, test.x, test.labels, test.y, predicted]);
  model.dispose();
  optimizer.dispose();
  return { sampleRate, accuracy, seconds };
}

console.log(
  `backend ${tf.getBackend()}  N=${n} D=${d}  Partial FC momentum ${a.momentum}  ${new Date().toISOString()}`,
);
const rows = [];
if (!a['skip-speed']) {
  rows.push(await fullRow('floor', full));
  rows.push(await fullRow('arcFace', full));
  rows.push(await partialRow(full, rate));
  rows.push(await partialRow(big, rate));
  const floorMs = rows[0].ms;
  const arcMs = rows[1].ms;
  console.log(
    `\n| step | classes C | centers per step | ms / step | vs floor @ C=${full} | vs ArcFace @ C=${full} | tensors held |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.variant} | ${r.classes.toLocaleString('en')} | ${r.sampled.toLocaleString('en')} | ${r.ms.toFixed(0)} | ${(r.ms / floorMs).toFixed(2)}× | ${(r.ms / arcMs).toFixed(2)}× | ${gib(r.heldBytes)} |`,
    );
  }
  console.log(`\ncenters initialization at C=${big}: ${(rows[3].initMs / 1000).toFixed(1)} s`);
}
const accuracy = [await accuracyRow(1), await accuracyRow(rate)];
console.log('\n| 1,000 identities, 64-d | sampleRate | held-out accuracy | training time |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of accuracy)
  console.log(
    `| ${r.sampleRate === 1 ? 'full softmax' : 'Partial FC'} | ${r.sampleRate} | ${(100 * r.accuracy).toFixed(1)}% | ${r.seconds.toFixed(1)} s |`,
  );
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`\npeak resident set of the process: ${gib(peak)}`);
if (a.json)
  writeFileSync(
    a.json,
    JSON.stringify({ backend: tf.getBackend(), n, d, rows, accuracy, peakRssBytes: peak }, null, 1),
  );
