// Million-class heads: a training step of Partial FC (insightface's class-center sampling) against
// the full ArcFace step over the same number of centers, side by side in one process per table.
//
//   node bench/partialFC.mjs [--backend tensorflow] [--n 256] [--reps 5]
//                            [--tables 512:1000000:0.1,512:2000000:0.05,128:10000000:0.01]
//                            [--curve] [--accuracy] [--json out.json]
//
// A table is D:C:r. Each runs in its own child process (so its peak resident set is its own):
//   1. Partial FC (ArcFace margin, sampleRate r, the default center store) is built and stepped
//      alone; the peak resident set is read then.
//   2. floor (x·W + tf.losses.softmaxCrossEntropy) and full ArcFace at C = S (the centers Partial FC
//      uses per step, S = ⌈r·C⌉) are built, and the three are timed interleaved: each rep times 3
//      steps of each, ended by a device read. Reported: min / median / max over reps and the
//      median of the per-rep ratios Partial FC / ArcFace.
// A step = forward + backward + update (Partial FC: the embedding sink by a tfjs SGD, the sampled
// centers by the layer's own SGD-momentum step). --curve adds 512:100000:1 and 512:500000:0.2.
// --accuracy adds the equal-accuracy check (1,000 identities, full softmax vs Partial FC).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';
import { makeStep } from './core.mjs';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    n: { type: 'string', default: '256' },
    reps: { type: 'string', default: '5' },
    tables: { type: 'string', default: '512:1000000:0.1,512:2000000:0.05,128:10000000:0.01' },
    curve: { type: 'boolean', default: false },
    accuracy: { type: 'boolean', default: false },
    child: { type: 'string' },
    json: { type: 'string' },
  },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const n = Number(a.n);
const reps = Number(a.reps);
const gib = (b) => (b / 2 ** 30).toFixed(2);
const sorted = (xs) => [...xs].sort((p, q) => p - q);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const spread = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

/** ms per step over 3 steps ended by a device read. */
async function time(step, steps = 3) {
  const t0 = performance.now();
  let last = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last.data();
  last.dispose();
  return (performance.now() - t0) / steps;
}

function partialStep(c, d, rate) {
  const x = tf.variable(tf.randomNormal([n, d], 0, 1, 'float32', 1));
  const labels = tf.randomUniform([n], 0, c, 'int32', 2);
  const head = margin.layers.partialFC({ numClasses: c, sampleRate: rate, seed: 3, checkInputs: false });
  const t0 = performance.now();
  head.apply([x, labels]).dispose(); // builds the centers
  const initMs = performance.now() - t0;
  const tap = head.trainableWeights[0].read();
  const optimizer = tf.train.sgd(1e-3);
  const step = () => optimizer.minimize(() => tf.mean(head.apply([x, labels], { training: true })), true, [x, tap]);
  const dispose = () => {
    optimizer.dispose();
    head.dispose();
    tf.dispose([x, labels]);
  };
  return { step, dispose, initMs, sampled: head.sampleSize(n), store: head.centerStoreKind };
}

async function child(spec) {
  const [d, c, rate] = spec.split(':').map(Number);
  const rssBase = process.memoryUsage().rss;
  const pfc = partialStep(c, d, rate);
  for (let i = 0; i < 3; i++) await time(pfc.step, 1); // warm-up; momentum allocated
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const s = pfc.sampled;
  const floor = makeStep(tf, margin, 'floor', { n, d, c: s });
  const arc = makeStep(tf, margin, 'arcFace', { n, d, c: s });
  // Warm-up of all three once all are built (the first Partial FC rep after building the others ran slow).
  for (const v of [floor, arc, pfc, floor, arc, pfc]) await time(v.step, 1);
  const ms = { floor: [], arcFace: [], partialFC: [] };
  for (let r = 0; r < reps; r++) {
    ms.floor.push(await time(floor.step));
    ms.arcFace.push(await time(arc.step));
    ms.partialFC.push(await time(pfc.step));
  }
  const numTensors = tf.memory().numTensors;
  await time(pfc.step);
  const leaked = tf.memory().numTensors - numTensors;
  pfc.dispose();
  floor.dispose();
  arc.dispose();
  const ratios = ms.partialFC.map((v, i) => v / ms.arcFace[i]);
  return {
    d,
    classes: c,
    sampleRate: rate,
    sampled: s,
    store: pfc.store,
    initMs: pfc.initMs,
    ms: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, { ...spread(v), all: v }])),
    ratioVsArcFace: spread(ratios),
    spreadPartialFC: Math.max(...ms.partialFC) / Math.min(...ms.partialFC),
    tableBytes: c * d * 4,
    optimizerBytes: c * d * 4,
    peakRssBytes: peakRss,
    baseRssBytes: rssBase,
    leakedTensorsPerStep: leaked / 3,
  };
}

/**
 * Equal accuracy where both fit: 1,000 synthetic identities (Gaussian clusters in 64-d, noise
 * σ = 1.3, 8 training and 4 held-out samples each) learned through a trainable dense layer by full
 * softmax (sampleRate 1) and by Partial FC at 0.1, 30 epochs each; held-out accuracy of the
 * margin-free logits.
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

if (a.child) {
  process.stdout.write(`RESULT ${JSON.stringify(await child(a.child))}\n`);
  process.exit(0);
}

const tables = [...(a.curve ? ['512:100000:1', '512:500000:0.2'] : []), ...a.tables.split(',')];
console.log(`backend ${tf.getBackend()}  N=${n}  reps=${reps}  ${new Date().toISOString()}`);
const rows = [];
for (const spec of tables) {
  const run = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--backend', a.backend, '--n', a.n, '--reps', a.reps, '--child', spec],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) {
    console.log(`table ${spec}: failed (exit ${run.status})\n${run.stderr.split('\n').slice(-15).join('\n')}`);
    continue;
  }
  const r = JSON.parse(line.slice(7));
  rows.push(r);
  const f = (m) => `${m.min.toFixed(0)} / ${m.median.toFixed(0)} / ${m.max.toFixed(0)}`;
  console.log(
    `D=${r.d} C=${r.classes.toLocaleString('en')} r=${r.sampleRate} S=${r.sampled.toLocaleString('en')} [${r.store}]: ` +
      `PFC ${f(r.ms.partialFC)} ms, ArcFace@S ${f(r.ms.arcFace)} ms, floor@S ${f(r.ms.floor)} ms (min / median / max); ` +
      `PFC/ArcFace median ${r.ratioVsArcFace.median.toFixed(2)}× (${r.ratioVsArcFace.min.toFixed(2)}–${r.ratioVsArcFace.max.toFixed(2)}); ` +
      `PFC max/min ${r.spreadPartialFC.toFixed(2)}; peak RSS ${gib(r.peakRssBytes)} GiB vs table + momentum ${gib(r.tableBytes + r.optimizerBytes)} GiB; init ${(r.initMs / 1000).toFixed(1)} s`,
  );
}
console.log(
  '\n| D | classes C | sampleRate | centers per step S | store | Partial FC ms (min / median / max) | ArcFace at C = S ms | floor at C = S ms | Partial FC / ArcFace (median, range) | Partial FC max/min | peak RSS | table + momentum | init |',
);
console.log('| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const f = (m) => `${m.min.toFixed(0)} / ${m.median.toFixed(0)} / ${m.max.toFixed(0)}`;
  console.log(
    `| ${r.d} | ${r.classes.toLocaleString('en')} | ${r.sampleRate} | ${r.sampled.toLocaleString('en')} | ${r.store} | ${f(r.ms.partialFC)} | ${f(r.ms.arcFace)} | ${f(r.ms.floor)} | ${r.ratioVsArcFace.median.toFixed(2)}× (${r.ratioVsArcFace.min.toFixed(2)}–${r.ratioVsArcFace.max.toFixed(2)}) | ${r.spreadPartialFC.toFixed(2)} | ${gib(r.peakRssBytes)} GiB | ${gib(r.tableBytes + r.optimizerBytes)} GiB | ${(r.initMs / 1000).toFixed(1)} s |`,
  );
}
const accuracy = a.accuracy ? [await accuracyRow(1), await accuracyRow(0.1)] : [];
if (accuracy.length > 0) {
  console.log('\n| 1,000 identities, 64-d | sampleRate | held-out accuracy | training time |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of accuracy)
    console.log(
      `| ${r.sampleRate === 1 ? 'full softmax' : 'Partial FC'} | ${r.sampleRate} | ${(100 * r.accuracy).toFixed(1)}% | ${r.seconds.toFixed(1)} s |`,
    );
}
if (a.json) writeFileSync(a.json, JSON.stringify({ backend: tf.getBackend(), n, reps, rows, accuracy }, null, 1));
