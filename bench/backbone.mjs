// npm run bench:backbone -- [--reps 5] [--steps 10] [--quick] [--no-torch] [--profile] [--out bench/results/backbone-latest.json]
//
// The whole training step of a backbone on tfjs-node, stock kernels against `fastPath.enable()`,
// side by side in one process (each rep runs stock then fast, so both see the same machine state),
// and PyTorch on the same threads (bench/torch_backbone.py). Models, all with Adam and a dense
// 242-way softmax head:
//   cnn16 / cnn32  the Omniglot example's backbone (examples/omniglot/models.mjs) at widths 16 and 32,
//                  batch 128, 28×28;
//   resnet64       a ResNet-style stack at 64×64: stem conv + BN + ReLU, 3 stages (16, 32, 64) of 2 basic
//                  blocks, global average pool, dense 128 + BN; batch 64;
//   epoch16        one `model.fit` epoch of cnn16 over 4,736 images (37 batches of 128), in seconds.
// Prints min/median/max per variant and the ratios of medians; --profile adds the per-kernel profile of
// one cnn16 step, stock and fast.
import * as tf from '@tensorflow/tfjs-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fastPath, losses } from 'tfjs-margin';
import { backbone } from '../examples/omniglot/models.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    reps: { type: 'string' },
    steps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results', 'backbone-latest.json') },
  },
});
const reps = Number(args.reps ?? (args.quick ? 2 : 5));
const steps = Number(args.steps ?? (args.quick ? 2 : 10));
const CLASSES = 242;

function withHead(image, embedding, seed) {
  const logits = tf.layers
    .dense({ units: CLASSES, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(embedding);
  const model = tf.model({ inputs: image, outputs: logits });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: losses.softmaxCrossEntropy });
  return model;
}

function cnn(width) {
  const { image, embedding } = backbone('cnn', { size: 28, width, embeddingSize: 128, dropout: 0.2, seed: 1 });
  return withHead(image, embedding, 2);
}

function conv(filters, strides, kernelSize = 3, seed = 0) {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    strides,
    padding: 'same',
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed }),
  });
}

function resnet() {
  const image = tf.input({ shape: [64, 64, 1] });
  let h = tf.layers.reLU().apply(tf.layers.batchNormalization().apply(conv(16, 1).apply(image)));
  let c = 16;
  let seed = 1;
  for (const [i, f] of [16, 32, 64].entries()) {
    for (let j = 0; j < 2; j++) {
      const stride = i > 0 && j === 0 ? 2 : 1;
      let r = tf.layers.reLU().apply(tf.layers.batchNormalization().apply(conv(f, stride, 3, seed++).apply(h)));
      r = tf.layers.batchNormalization().apply(conv(f, 1, 3, seed++).apply(r));
      const shortcut =
        stride !== 1 || c !== f ? tf.layers.batchNormalization().apply(conv(f, stride, 1, seed++).apply(h)) : h;
      h = tf.layers.reLU().apply(tf.layers.add().apply([r, shortcut]));
      c = f;
    }
  }
  h = tf.layers.globalAveragePooling2d({}).apply(h);
  const embedding = tf.layers.batchNormalization().apply(tf.layers.dense({ units: 128 }).apply(h));
  return withHead(image, embedding, 3);
}

function batch(n, size) {
  return tf.tidy(() => [
    tf.randomNormal([n, size, size, 1], 0, 1, 'float32', 5),
    tf.oneHot(tf.randomUniform([n], 0, CLASSES, 'int32', 6), CLASSES).toFloat(),
  ]);
}

/** ms per step over `steps` trainOnBatch calls (3 warm-up steps first, on a model of its own). */
async function stepTimer(make, n, size) {
  const model = make();
  const [x, y] = batch(n, size);
  for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
  const before = tf.memory().numTensors;
  return {
    async time() {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await model.trainOnBatch(x, y);
      return (performance.now() - t0) / steps;
    },
    leaked: () => tf.memory().numTensors - before,
    model,
  };
}

/** Seconds for one fit epoch over 4,736 images in batches of 128. */
async function epochTimer(make) {
  const model = make();
  const [x, y] = batch(4736, 28);
  await model.fit(x, y, { batchSize: 128, epochs: 1, verbose: 0 });
  return {
    async time() {
      const t0 = performance.now();
      await model.fit(x, y, { batchSize: 128, epochs: 1, verbose: 0, shuffle: true });
      return (performance.now() - t0) / 1000;
    },
  };
}

const variants = [
  { name: 'cnn16', unit: 'ms', timer: () => stepTimer(() => cnn(16), 128, 28) },
  { name: 'cnn32', unit: 'ms', timer: () => stepTimer(() => cnn(32), 128, 28) },
  { name: 'resnet64', unit: 'ms', timer: () => stepTimer(resnet, 64, 64) },
  { name: 'epoch16', unit: 's', timer: () => epochTimer(() => cnn(16)) },
];

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor((s.length - 1) / 2)], max: s.at(-1), all: xs };
};
const fmt = (s, unit) => {
  const d = unit === 's' ? 2 : 1;
  return `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)}) ${unit}`;
};

async function profile(label) {
  const timer = await stepTimer(() => cnn(16), 128, 28);
  const [x, y] = batch(128, 28);
  const info = await tf.profile(async () => {
    await timer.model.trainOnBatch(x, y);
  });
  const byKernel = new Map();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls++;
    e.ms += k.kernelTimeMs;
    byKernel.set(k.name, e);
  }
  const top = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12);
  console.log(`\nprofile of one cnn16 step, ${label}: ${info.kernels.length} kernels`);
  for (const [name, e] of top)
    console.log(`  ${name.padEnd(28)} ${String(e.calls).padStart(4)} calls ${e.ms.toFixed(1).padStart(7)} ms`);
  tf.dispose([x, y]);
  timer.model.dispose();
  return { kernels: info.kernels.length, top: Object.fromEntries(top) };
}

const status = fastPath.enable();
fastPath.disable();
if (!status.active) throw new Error(`the fast path is not active: ${status.reason}`);
console.log(
  `tfjs-node ${tf.version.tfjs}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}); ${reps} reps × ${steps} steps`,
);

const results = {};
for (const v of variants) {
  const stock = [];
  const fast = [];
  fastPath.disable();
  const stockTimer = await v.timer();
  fastPath.enable();
  const fastTimer = await v.timer();
  for (let r = 0; r < reps; r++) {
    fastPath.disable();
    stock.push(await stockTimer.time());
    fastPath.enable();
    fast.push(await fastTimer.time());
  }
  const leak = fastTimer.leaked?.() ?? 0;
  fastPath.disable();
  stockTimer.model?.dispose();
  fastTimer.model?.dispose();
  results[v.name] = { unit: v.unit, stock: stats(stock), fast: stats(fast), fastLeakedTensors: leak };
  console.log(
    `${v.name.padEnd(9)} stock ${fmt(results[v.name].stock, v.unit)}   fast ${fmt(results[v.name].fast, v.unit)}   ` +
      `stock/fast ${(results[v.name].stock.median / results[v.name].fast.median).toFixed(2)}×`,
  );
}

let torch = null;
if (!args['no-torch']) {
  const r = spawnSync(
    'python3',
    [
      path.join(here, 'torch_backbone.py'),
      '--reps',
      String(reps),
      '--steps',
      String(steps),
      ...(args.quick ? ['--quick'] : []),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error('torch_backbone.py failed: pip install torch==2.13.0');
  torch = JSON.parse(r.stdout);
  console.log(`\nPyTorch ${torch.torch}, ${torch.threads} threads:`);
  for (const row of torch.rows) {
    const unit = row.s ? 's' : 'ms';
    const s = stats(row.s ?? row.ms);
    const mine = results[row.name];
    results[row.name].torch = s;
    console.log(
      `${row.name.padEnd(9)} torch ${fmt(s, unit)}   stock/torch ${(mine.stock.median / s.median).toFixed(2)}×   fast/torch ${(mine.fast.median / s.median).toFixed(2)}×`,
    );
  }
}

const profiles = {};
if (args.profile) {
  fastPath.disable();
  profiles.stock = await profile('stock');
  fastPath.enable();
  profiles.fast = await profile('fast path');
  fastPath.disable();
}

mkdirSync(path.dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify({ date: new Date().toISOString(), cpu: os.cpus()[0]?.model, reps, steps, results, torch, profiles }, null, 1)}\n`,
);
console.log(`\n${args.out}`);
