// Face-style training on real MNIST digits: a CNN embedding network is trained on digits 0-6 (the
// "identities") with each head, then judged on closed-set accuracy (held-out 0-6) and, like face
// verification, on "same or different?" pairs of digits 7-9 it never saw. Prints a table, writes
// results.json / results.md and figures (PNG + SVG) to --out.
//
//   npm run example:mnist                              # all six heads, full size (a few minutes on tensorflow)
//   npm run example:mnist -- --quick                   # about a minute on tensorflow
//   npm run example:mnist -- --heads arcface,cosface --epochs 4 --embedding 64 --backend wasm
//   npm run example:mnist -- --checkpoint ckpt/ [--resume]   # checkpoint every epoch; continue after a crash
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { callbacks, losses, metrics } from 'tfjs-margin';
import { pairCosines, resumable, useBackend } from '../shared.mjs';
import { faceStyleSplits, OPEN_DIGITS, random, TRAIN_DIGITS } from './data.mjs';
import { curvesSpec, featureCircleSpec, render, rocSpec } from './figures.mjs';
import { buildModel, classify, HEADS } from './models.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);

const { values: args } = parseArgs({
  options: {
    heads: { type: 'string', default: 'all' },
    epochs: { type: 'string' },
    embedding: { type: 'string', default: '32' },
    backend: { type: 'string', default: 'auto' },
    backbone: { type: 'string', default: 'auto' },
    scale: { type: 'string', default: '16' },
    quick: { type: 'boolean', default: false },
    figures: { type: 'string', default: 'true' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    checkpoint: { type: 'string' },
    resume: { type: 'boolean', default: false },
  },
});

await useBackend(args.backend);
const quick = args.quick;
const heads = args.heads === 'all' ? Object.keys(HEADS) : args.heads.split(',');
for (const h of heads)
  if (!(h in HEADS)) throw new Error(`unknown head ${h}; choose from ${Object.keys(HEADS).join(', ')}`);
const epochs = Number(args.epochs ?? (quick ? 3 : 8));
const embeddingSize = Number(args.embedding);
// tfjs-backend-wasm has no gradient for conv2d filters: fall back to an MLP there.
const backboneKind = args.backbone === 'auto' ? (tf.getBackend() === 'wasm' ? 'mlp' : 'cnn') : args.backbone;
const scale = Number(args.scale);
const seed = Number(args.seed);
const seeds = Number(args.seeds);
// Ordinary runs write to an ignored folder; `npm run results:mnist` rewrites the tracked results/.
const out = path.resolve(args.out ?? path.join(here, '..', 'out', quick ? 'mnist-quick' : 'mnist'));
mkdirSync(out, { recursive: true });
const sizes = quick
  ? { trainPerDigit: 200, testPerDigit: 60, openPerDigit: 120, pairs: 1000 }
  : { trainPerDigit: 700, testPerDigit: 150, openPerDigit: 300, pairs: 3000 };
const batchSize = 64;
const numClasses = TRAIN_DIGITS.length;

const data = faceStyleSplits(sizes);
console.log(
  `backend ${tf.getBackend()}  backbone ${backboneKind}  embedding ${embeddingSize}  epochs ${epochs}  ` +
    `train ${data.train.count} digits 0-6, test ${data.test.count}, open-set ${data.open.count} digits 7-9 in ${sizes.pairs} pairs`,
);

const xTrain = tf.tensor2d(data.train.images, [data.train.count, 784]);
const labelTrain = tf.tensor2d(Float32Array.from(data.train.labels), [data.train.count, 1]);
const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(data.train.labels, 'int32'), numClasses).toFloat());
const xTest = tf.tensor2d(data.test.images, [data.test.count, 784]);
const xOpen = tf.tensor2d(data.open.images, [data.open.count, 784]);
const callbackPairs = Math.min(600, sizes.pairs);
const pairA = tf.gather(xOpen, data.pairs.a.slice(0, callbackPairs));
const pairB = tf.gather(xOpen, data.pairs.b.slice(0, callbackPairs));

async function embed(embedder, x) {
  const e = embedder.predict(x, { batchSize: 256 });
  const rows = await e.array();
  e.dispose();
  return rows;
}

/** Trains one head; returns the built model and its per-epoch log. */
async function train(headName, dims, { verbose, runSeed = seed }) {
  const built = buildModel(headName, { backboneKind, embeddingSize: dims, numClasses, scale, seed: runSeed });
  const optimizer = tf.train.adam(2e-3);
  built.model.compile({ optimizer, loss: losses.softmaxCrossEntropy, metrics: ['accuracy'] });
  const stepsPerEpoch = Math.ceil(data.train.count / batchSize);
  const schedule = callbacks.cosineDecay({ learningRate: 2e-3, warmupSteps: Math.min(100, stepsPerEpoch) });
  const cbs = [schedule];
  const state = { schedule };
  if (built.spec.warmup) {
    state.warmup = callbacks.marginWarmup({ head: built.head, warmupSteps: stepsPerEpoch });
    cbs.push(state.warmup);
  }
  if (verbose) {
    state.verification = callbacks.verificationCallback({
      pairs: { a: pairA, b: pairB, isSame: data.pairs.isSame.slice(0, callbackPairs) },
      embeddingModel: built.embedder,
    });
    cbs.push(state.verification, callbacks.progressLogger());
  }
  // Epoch checkpoints: a resumed run continues the schedule, warm-up and weights exactly; fit's own
  // shuffle draws from Math.random, so its batches (not its course) differ from an uninterrupted run.
  const name = `${headName}-d${dims}-seed${runSeed}`;
  const { saver, initialEpoch } = await resumable(args.checkpoint, name, {
    resume: args.resume,
    model: built.model,
    state,
  }).catch((err) => {
    console.error(`error: ${err.message}`);
    process.exit(2);
  });
  if (saver) cbs.push(saver);
  const inputs = built.spec.labels ? [xTrain, labelTrain] : xTrain;
  const history = await built.model.fit(inputs, yTrain, {
    epochs,
    initialEpoch,
    batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: cbs,
  });
  optimizer.dispose();
  const log = history.epoch.map((e, i) => ({
    epoch: e + 1,
    loss: history.history.loss[i],
    verificationAccuracy: history.history.verificationAccuracy?.[i],
  }));
  return { built, log };
}

async function evaluate(built) {
  const logits = classify(built, xTest);
  const predicted = await logits.argMax(-1).data();
  logits.dispose();
  let correct = 0;
  for (let i = 0; i < data.test.count; i++) if (predicted[i] === data.test.labels[i]) correct++;
  const open = await embed(built.embedder, xOpen);
  const a = data.pairs.a.map((i) => open[i]);
  const b = data.pairs.b.map((i) => open[i]);
  const verification = metrics.verification(a, b, data.pairs.isSame);
  const scores = pairCosines(a, b);
  const curve = metrics.roc(scores, data.pairs.isSame);
  const tar = metrics.tarAtFar(scores, data.pairs.isSame, 1e-2);
  const closedAngles = metrics.angularStats(await embed(built.embedder, xTest), data.test.labels);
  return {
    closedSetAccuracy: correct / data.test.count,
    verificationAccuracy: verification.accuracy.mean,
    verificationStd: verification.accuracy.std,
    tarAtFar1e2: tar.tar,
    auc: curve.auc,
    eer: curve.eer,
    meanIntraAngle: closedAngles.meanIntraAngle,
    minInterAngle: closedAngles.minInterAngle,
    meanNorm: closedAngles.meanNorm,
    roc: { fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr) },
  };
}

const SUMMARY = [
  'closedSetAccuracy',
  'verificationAccuracy',
  'tarAtFar1e2',
  'auc',
  'eer',
  'meanIntraAngle',
  'minInterAngle',
  'meanNorm',
];
const results = {};
const t0 = Date.now();
for (const h of heads) {
  const runs = [];
  for (let k = 0; k < seeds; k++) {
    console.log(`\n== ${HEADS[h].title} (${HEADS[h].paper})${seeds > 1 ? `, seed ${k + 1}/${seeds}` : ''}`);
    const started = Date.now();
    const { built, log } = await train(h, embeddingSize, { verbose: true, runSeed: seed + 1000 * k });
    runs.push({ ...(await evaluate(built)), log, seconds: (Date.now() - started) / 1000 });
    built.model.dispose();
  }
  // Mean (and standard deviation over seeds) of each summary number; curves from the first seed.
  const stats = Object.fromEntries(
    SUMMARY.map((key) => {
      const v = runs.map((r) => r[key]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return [key, { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), runs: v }];
    }),
  );
  results[h] = { ...stats, roc: runs[0].roc, log: runs[0].log, seconds: runs.map((r) => r.seconds) };
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;
const spread = (m, scale = 100, digits = 1) => (seeds > 1 ? ` ± ${(scale * m.std).toFixed(digits)}` : '');
const rows = heads.map((h) => {
  const r = results[h];
  return [
    HEADS[h].title,
    pct(r.closedSetAccuracy.mean),
    `${pct(r.verificationAccuracy.mean)}${spread(r.verificationAccuracy)}`,
    `${pct(r.tarAtFar1e2.mean)}${spread(r.tarAtFar1e2)}`,
    `${r.auc.mean.toFixed(3)}${spread(r.auc, 1, 3)}`,
    pct(r.eer.mean),
    `${r.meanIntraAngle.mean.toFixed(1)}°`,
    `${r.minInterAngle.mean.toFixed(1)}°`,
  ];
});
const header = [
  'head',
  'closed-set acc.',
  'open-set verif. acc.',
  'TAR@FAR=1e-2',
  'AUC',
  'EER',
  'intra-class angle',
  'min inter-class angle',
];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(`\n${table}\n`);

const command = `npm run example:mnist --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const setting =
  `${tf.getBackend()} backend, ${backboneKind} backbone, ${embeddingSize}-d embeddings, ${epochs} epochs, batch ${batchSize}, ` +
  `Adam 2e-3 with cosine decay; normalized heads at scale ${scale}; ${seeds > 1 ? `mean ± std over ${seeds} seeds; ` : ''}train ${data.train.count} digits 0-6, closed-set test ` +
  `${data.test.count}, open-set ${sizes.pairs} pairs of ${data.open.count} digits 7-9 (LFW protocol, 10 folds)`;
writeFileSync(
  path.join(out, 'results.md'),
  `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (${setting}; ${((Date.now() - t0) / 1000).toFixed(0)} s).\n\n${table}\n`,
);

if (args.figures !== 'false') {
  await render(
    rocSpec(
      heads.flatMap((h) =>
        results[h].roc.fpr.map((fpr, i) => ({ head: HEADS[h].title, fpr, tpr: results[h].roc.tpr[i] })),
      ),
    ), // first seed
    path.join(out, 'roc'),
  );
  await render(
    curvesSpec(heads.flatMap((h) => results[h].log.map((l) => ({ head: HEADS[h].title, ...l })))),
    path.join(out, 'training'),
  );
  console.log('2-D embeddings for the circle figure:');
  const jitter = random(11);
  const points = [];
  const titles = {};
  for (const h of heads) {
    titles[h] = HEADS[h].title;
    const { built } = await train(h, 2, { verbose: false });
    const show = async (x, labels, digits, seen) => {
      const e = await embed(built.embedder, x);
      e.forEach(([u, v], i) => {
        if (i % 2 !== 0) return; // every other point keeps the figure readable
        const n = Math.hypot(u, v) || 1;
        const r = 0.8 + 0.2 * jitter();
        points.push({ head: h, x: (r * u) / n, y: (r * v) / n, digit: String(digits[labels[i]]), seen });
      });
    };
    await show(xTest, data.test.labels, TRAIN_DIGITS, 'trained');
    await show(xOpen, data.open.labels, OPEN_DIGITS, 'unseen');
    built.model.dispose();
    console.log(`  ${HEADS[h].title} done`);
  }
  await render(featureCircleSpec(points, titles), path.join(out, 'features-2d'));
  console.log(
    `figures: ${['roc', 'training', 'features-2d'].map((f) => path.join(out, `${f}.png`)).join(', ')} (+ .svg)`,
  );
}
writeFileSync(path.join(out, 'results.json'), `${JSON.stringify({ command, setting, results }, null, 1)}\n`);
console.log(`results: ${path.join(out, 'results.md')}  (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
tf.dispose([xTrain, labelTrain, yTrain, xTest, xOpen, pairA, pairB]);
