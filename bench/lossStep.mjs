// The cross-entropy step alone: tfjs's tf.losses.softmaxCrossEntropy against losses.softmaxCrossEntropy
// (one-hot targets; on tfjs-node the fused LogSoftmax kernel) and losses.sparseSoftmaxCrossEntropy
// (int32 labels; on tfjs-node TensorFlow's fused SparseSoftmaxCrossEntropyWithLogits), value + gradient
// w.r.t. the logits, ended by reading one number; interleaved reps of 10 steps; min / median / max ms.
//
//   npm run build && node bench/lossStep.mjs [--backend tensorflow] [--classes 10000,100000] [--reps 7]
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    classes: { type: 'string', default: '10000,100000' },
    reps: { type: 'string', default: '7' },
  },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const n = 256;
const stats = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return `${s[0].toFixed(2)} / ${s[Math.floor(s.length / 2)].toFixed(2)} / ${s[s.length - 1].toFixed(2)}`;
};
console.log(`backend ${tf.getBackend()}, N = ${n}, ${new Date().toISOString()}`);
for (const c of a.classes.split(',').map(Number)) {
  const x = tf.randomNormal([n, c], 0, 10, 'float32', 1);
  const labels = tf.randomUniform([n], 0, c, 'int32', 2);
  const t = tf.tidy(() => tf.oneHot(labels, c).toFloat());
  const variants = {
    'tf.losses.softmaxCrossEntropy': (z) => tf.losses.softmaxCrossEntropy(t, z),
    'losses.softmaxCrossEntropy': (z) => tf.mean(margin.losses.softmaxCrossEntropy(t, z)),
    'losses.sparseSoftmaxCrossEntropy': (z) => tf.mean(margin.losses.sparseSoftmaxCrossEntropy(labels, z)),
  };
  const ms = {};
  const run = (f, steps) => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      // One number read back: reading the whole [N, C] gradient would add a copy to every variant.
      const g = tf.tidy(() => tf.sum(tf.grad(f)(x)));
      g.dataSync();
      g.dispose();
    }
    return (performance.now() - t0) / steps;
  };
  for (const f of Object.values(variants)) run(f, 3);
  for (let r = 0; r < Number(a.reps); r++)
    for (const [k, f] of Object.entries(variants)) (ms[k] ??= []).push(run(f, 10));
  const base = ms['tf.losses.softmaxCrossEntropy'];
  for (const [k, v] of Object.entries(ms)) console.log(`C=${c}  ${k.padEnd(34)} ${stats(v)} ms`);
  for (const k of ['losses.softmaxCrossEntropy', 'losses.sparseSoftmaxCrossEntropy'])
    console.log(`C=${c}  ${k} / tfjs per rep: ${stats(ms[k].map((v, i) => v / base[i]))}`);
  tf.dispose([x, t, labels]);
}
