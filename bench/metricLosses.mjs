// The metric losses' training step against the plain softmax step and against PyTorch + PML, side by
// side in one run. One step = loss on [N, D] embeddings (D = 128, an m-per-class batch: m = 4) +
// gradient + SGD update of the embeddings (and of ProxyAnchor's proxies / the softmax kernel, C = 1000),
// ended by reading one number. Reps of `--steps` steps, interleaved across variants; min / median / max.
//
//   npm run bench:metric -- [--backend tensorflow] [--sizes 256,1024] [--reps 5] [--steps 5] [--no-torch]
//   [--out bench/results/metric-latest.json]
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    sizes: { type: 'string', default: '256,1024' },
    reps: { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
    'no-torch': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results/metric-latest.json') },
  },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const D = 128;
const C = 1000;
const L = margin.losses;

/** Each variant: (embeddings variable, labels) → {loss(), vars}. */
const VARIANTS = {
  'softmax (dense + CE, C=1000)': (e, y) => {
    const w = tf.variable(tf.randomNormal([D, C], 0, 0.05, 'float32', 3));
    const t = tf.oneHot(y, C).toFloat();
    return { loss: () => tf.losses.softmaxCrossEntropy(t, tf.matMul(e, w)), vars: [e, w], dispose: [w, t] };
  },
  'triplet all': (e, y) => pair(L.tripletMarginLoss({ checkInputs: false }), e, y),
  'triplet batchHard': (e, y) => pair(L.tripletMarginLoss({ mining: 'batchHard', checkInputs: false }), e, y),
  'triplet semiHard': (e, y) => pair(L.tripletMarginLoss({ mining: 'semiHard', checkInputs: false }), e, y),
  multiSimilarity: (e, y) => pair(L.multiSimilarityLoss({ checkInputs: false }), e, y),
  supervisedContrastive: (e, y) => pair(L.supervisedContrastiveLoss({ checkInputs: false }), e, y),
  ntXent: (e, y) => pair(L.ntXentLoss({ checkInputs: false }), e, y),
  contrastive: (e, y) => pair(L.contrastiveLoss({ checkInputs: false }), e, y),
  'proxyAnchor (C=1000)': (e, y) => {
    const head = margin.layers.proxyAnchor({ numClasses: C, seed: 1, checkInputs: false });
    head.build([
      [null, D],
      [null, 1],
    ]);
    const labels = tf.reshape(tf.cast(y, 'float32'), [-1, 1]);
    const w = head.trainableWeights[0].read();
    return { loss: () => tf.mean(head.apply([e, labels])), vars: [e, w], dispose: [labels, ...head.weights] };
  },
};

function pair(loss, e, y) {
  return { loss: () => tf.mean(loss(y, e)), vars: [e], dispose: [] };
}

const optimizer = tf.train.sgd(1e-3);
const rows = [];
const stats = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
for (const n of a.sizes.split(',').map(Number)) {
  const y = tf.tensor1d(
    Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
    'int32',
  );
  const setups = Object.entries(VARIANTS).map(([name, make]) => {
    const e = tf.variable(tf.randomNormal([n, D], 0, 1, 'float32', 7));
    return { name, e, ...make(e, y) };
  });
  const run = (s, steps) => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const cost = optimizer.minimize(s.loss, true, s.vars);
      cost.dataSync();
      cost.dispose();
    }
    return (performance.now() - t0) / steps;
  };
  const ms = {};
  for (const s of setups) run(s, 2);
  for (let r = 0; r < Number(a.reps); r++) for (const s of setups) (ms[s.name] ??= []).push(run(s, Number(a.steps)));
  for (const s of setups) {
    rows.push({ backend: a.backend, n, variant: s.name, ms: ms[s.name] });
    tf.dispose([s.e, ...s.dispose]);
  }
  y.dispose();
}
let torch = [];
if (!a['no-torch']) {
  const r = spawnSync(
    'python3',
    [
      path.join(here, 'torch_metric.py'),
      `sizes=${a.sizes}`,
      `reps=${a.reps}`,
      `steps=${a.steps}`,
      `variants=${Object.keys(VARIANTS).join('|')}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error('torch_metric.py failed: pip install torch==2.13.0 and pytorch-metric-learning');
  torch = JSON.parse(r.stdout);
}
const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}`;
const lines = [
  `${new Date().toISOString()}  ${machine}  backend ${a.backend}, D = ${D}, m = 4 per class, ${a.reps} reps × ${a.steps} steps`,
  '',
  '| N | loss | step ms (min / median / max) | × softmax step | PyTorch + PML ms (median) | × PyTorch |',
  '| ---: | --- | --- | ---: | ---: | ---: |',
];
for (const r of rows) {
  const s = stats(r.ms);
  const base = rows.find((b) => b.n === r.n && b.variant.startsWith('softmax'));
  const perRep = r.ms.map((v, i) => v / base.ms[i]);
  const t = torch.find((x) => x.n === r.n && x.variant === r.variant);
  const tm = t?.ms ? stats(t.ms).median : null;
  r.softmaxRatio = stats(perRep);
  r.torchMs = tm;
  lines.push(
    `| ${r.n} | ${r.variant} | ${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} | ` +
      `${r.softmaxRatio.median.toFixed(2)} (${r.softmaxRatio.min.toFixed(2)}–${r.softmaxRatio.max.toFixed(2)}) | ` +
      `${tm === null ? (t?.skipped ? `not run: PML builds a ${t.skipped}` : '—') : tm.toFixed(1)} | ${tm === null ? '—' : (s.median / tm).toFixed(2)} |`,
  );
}
console.log(lines.join('\n'));
mkdirSync(path.dirname(a.out), { recursive: true });
writeFileSync(a.out, JSON.stringify({ date: new Date().toISOString(), machine, args: a, rows, torch }, null, 1));
console.log(`\nJSON: ${path.relative(path.resolve(here, '..'), a.out)}`);
