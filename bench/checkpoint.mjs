// What a checkpoint costs: its write and restore time and its size for three models, and the
// training-time overhead of one checkpoint per epoch on the Omniglot recipe, measured side by side.
//
//   npm run build && node bench/checkpoint.mjs [--backend tensorflow] [--only omniglot,arcface,partialfc,overhead]
//                                              [--reps 3] [--epochs 3] [--folder /tmp/…]
//
// 1. Save and restore, each model in its own child process (so its peak resident set is its own):
//    - omniglot:  the Omniglot example's CNN (the first default preset's width 16, embedding 128) with its
//                 ArcFace head over 704 classes, Adam;
//    - arcface:   ArcFace at C = 100,000 on 512-d embeddings (a [512, 100000] kernel), Adam;
//    - partialfc: Partial FC at 1,000,000 × 512 (the centers and their momentum streamed in row
//                 ranges), the default center store, SGD for the embedding side;
//    - partialfc10m (only when named in --only): the same at 10,000,000 × 128, sampleRate 0.01.
//    Each is trained one step (so every optimizer slot and the momentum exist), then saved --reps
//    times into a file storage (min / median / max), then restored once into a freshly built model
//    (with every check: manifest, model, optimizer, each entry's checksum). Size: bytes on disk.
// 2. Overhead: the Omniglot recipe's model and batch (128 × 28 × 28), 110 steps per epoch (the
//    default recipe's), --epochs epochs per fit (the first, warm-up, left out); the arms (no
//    checkpoint / a checkpoint after every epoch) alternate --reps times; reported: seconds per
//    epoch of each (median, min–max) and the per-rep ratio of their medians.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callbacks, fastPath, layers, losses } from '../dist/index.js';
import { buildModel } from '../examples/omniglot/models.mjs';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    only: { type: 'string', default: 'omniglot,arcface,partialfc,overhead' },
    reps: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    folder: { type: 'string' },
    child: { type: 'string' },
  },
});
const reps = Number(a.reps);

async function start() {
  if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
  await tf.setBackend(a.backend);
  if (a.backend === 'tensorflow') fastPath.enable();
}

function sizeOf(folder) {
  let bytes = 0;
  for (const name of readdirSync(folder)) {
    const p = path.join(folder, name);
    const s = statSync(p);
    bytes += s.isDirectory() ? sizeOf(p) : s.size;
  }
  return bytes;
}

const spread = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
};
const fmt = (xs, digits = 2) => {
  const { min, median, max } = spread(xs);
  return `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
};

/** The models of part 1: `build()` returns a compiled model and one training batch. */
const MODELS = {
  omniglot: () => {
    const built = buildModel('arcface', {
      backboneKind: 'cnn',
      size: 28,
      width: 16,
      embeddingSize: 128,
      dropout: 0.2,
      numClasses: 704,
      seed: 1,
    });
    built.model.compile({ optimizer: tf.train.adam(3e-3), loss: losses.softmaxCrossEntropy });
    const n = 128;
    const y = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % 704),
      'int32',
    );
    return {
      model: built.model,
      x: [tf.randomNormal([n, 28, 28, 1]), tf.cast(tf.reshape(y, [n, 1]), 'float32')],
      y: tf.oneHot(y, 704),
    };
  },
  arcface: () => {
    const c = 100_000;
    const d = 512;
    const input = tf.input({ shape: [d] });
    const label = tf.input({ shape: [1] });
    const head = layers.arcFace({ numClasses: c, scale: 64, seed: 1 });
    const model = tf.model({ inputs: [input, label], outputs: head.apply([input, label]) });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: losses.softmaxCrossEntropy });
    const n = 64;
    const ids = Array.from({ length: n }, (_, i) => i * 997);
    return {
      model,
      x: [tf.randomNormal([n, d]), tf.tensor2d(ids, [n, 1])],
      y: tf.oneHot(tf.tensor1d(ids, 'int32'), c),
    };
  },
  partialfc: () => partialFCModel(1_000_000, 512, 0.1),
  partialfc10m: () => partialFCModel(10_000_000, 128, 0.01),
};

/** Partial FC over `c` classes of `d`-dimensional embeddings behind one trainable dense layer. */
function partialFCModel(c, d, sampleRate) {
  const input = tf.input({ shape: [d] });
  const label = tf.input({ shape: [1] });
  // The embedding side: one trainable dense layer, so the model has weights and an optimizer state.
  const embedding = tf.layers.dense({ units: d, useBias: false }).apply(input);
  const head = layers.partialFC({ numClasses: c, sampleRate, seed: 1 });
  const model = tf.model({ inputs: [input, label], outputs: head.apply([embedding, label]) });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: losses.precomputedLoss });
  const n = 64;
  const y = tf.tensor2d(
    Array.from({ length: n }, (_, i) => i * Math.floor(c / n)),
    [n, 1],
  );
  return { model, x: [tf.randomNormal([n, d]), y], y };
}

async function saveRestore(name) {
  await start();
  const folder = mkdtempSync(path.join(a.folder ?? tmpdir(), `ckpt-${name}-`));
  const first = MODELS[name]();
  await first.model.fit(first.x, first.y, { epochs: 1, batchSize: 1024, verbose: 0 });
  const rssTrained = process.memoryUsage().rss;
  const saver = callbacks.checkpoint({ storage: folder, keep: 1, log: null });
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    await saver.save(first.model);
    times.push((performance.now() - t) / 1000);
  }
  const bytes = sizeOf(folder);
  const rssAfterSave = process.memoryUsage().rss;
  first.model.dispose();
  tf.dispose([first.x, first.y]);
  const fresh = MODELS[name]();
  const t = performance.now();
  const point = await callbacks.checkpoint({ storage: folder, log: null }).restore(fresh.model);
  const restore = (performance.now() - t) / 1000;
  if (point === null) throw new Error('nothing restored');
  const out = {
    name,
    params: fresh.model.countParams(),
    saveSeconds: times,
    restoreSeconds: restore,
    bytes,
    rssGiB: {
      trained: rssTrained / 2 ** 30,
      afterSaves: rssAfterSave / 2 ** 30,
      afterRestore: process.memoryUsage().rss / 2 ** 30,
    },
  };
  rmSync(folder, { recursive: true, force: true });
  console.log(JSON.stringify(out));
}

/**
 * Part 2: seconds per epoch without and with a checkpoint per epoch, the arms alternating; each
 * fit's first epoch (graph and kernel warm-up) is left out.
 */
async function overhead() {
  await start();
  const epochs = Number(a.epochs);
  const steps = 110;
  const perArm = { none: [], checkpoint: [] };
  const ratios = [];
  const { model, x, y } = MODELS.omniglot();
  const n = 128;
  const folder = mkdtempSync(path.join(a.folder ?? tmpdir(), 'ckpt-overhead-'));
  const dataset = () =>
    tf.data.generator(function* () {
      for (let s = 0; s < steps; s++) yield { xs: x.map((t) => t.clone()), ys: y.clone() };
    });
  for (let r = 0; r < reps; r++) {
    const median = {};
    for (const arm of r % 2 === 0 ? ['none', 'checkpoint'] : ['checkpoint', 'none']) {
      const seconds = [];
      let epochStart = 0;
      const begin = new tf.CustomCallback({ onEpochBegin: async () => (epochStart = performance.now()) });
      const end = new tf.CustomCallback({
        onEpochEnd: async () => seconds.push((performance.now() - epochStart) / 1000),
      });
      // The checkpoint sits between the two timers, so its write falls inside the timed epoch.
      const saver = callbacks.checkpoint({ storage: path.join(folder, `${r}-${arm}`), everyEpochs: 1, log: null });
      await model.fitDataset(dataset(), {
        epochs,
        verbose: 0,
        callbacks: arm === 'none' ? [begin, end] : [begin, saver, end],
      });
      perArm[arm].push(...seconds.slice(1));
      median[arm] = spread(seconds.slice(1)).median;
    }
    ratios.push(median.checkpoint / median.none);
  }
  rmSync(folder, { recursive: true, force: true });
  console.log(JSON.stringify({ name: 'overhead', steps, n, epochs, reps, perArm, ratios }));
}

if (a.child === 'overhead') await overhead();
else if (a.child !== undefined) await saveRestore(a.child);
else {
  console.log(`# bench/checkpoint.mjs on ${a.backend}, ${new Date().toISOString()}, node ${process.version}`);
  for (const name of a.only.split(',')) {
    const args = [
      fileURLToPath(import.meta.url),
      '--child',
      name,
      '--backend',
      a.backend,
      '--reps',
      a.reps,
      '--epochs',
      a.epochs,
    ];
    if (a.folder) args.push('--folder', a.folder);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.status !== 0 || line === undefined) {
      console.log(`${name}: failed (${r.status})\n${r.stderr.slice(-2000)}`);
      continue;
    }
    const o = JSON.parse(line);
    if (name === 'overhead') {
      console.log(
        `overhead (Omniglot recipe model, ${o.steps} steps × ${o.n} per epoch, ${o.epochs} epochs per fit, the first left out, ${o.reps} fits per arm): ` +
          `s/epoch without ${fmt(o.perArm.none)}, with a checkpoint per epoch ${fmt(o.perArm.checkpoint)}; ` +
          `with / without per rep ${fmt(o.ratios, 3)}`,
      );
    } else {
      console.log(
        `${name}: ${(o.params / 1e6).toFixed(1)} M parameters, checkpoint ${(o.bytes / 2 ** 20).toFixed(1)} MiB; ` +
          `save ${fmt(o.saveSeconds)} s (${o.saveSeconds.length} saves), restore ${o.restoreSeconds.toFixed(2)} s; ` +
          `resident set ${o.rssGiB.trained.toFixed(2)} GiB trained, ${o.rssGiB.afterSaves.toFixed(2)} after the saves, ${o.rssGiB.afterRestore.toFixed(2)} after the restore`,
      );
    }
    console.log(`  ${line}`);
  }
}
