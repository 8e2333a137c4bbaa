// The triplet loss over all triplets: the package's analytic gradient (anchor blocks, gradient with
// respect to the distance matrix) against tfjs autodiff of the same dense computation built from
// public ops, side by side; value + gradient w.r.t. the embeddings, ended by reading one number.
// m = 4 per class, D = 128; 5 reps of 5 steps; min / median / max ms.
//
//   npm run build && node bench/tripletGradient.mjs [--backend tensorflow] [--sizes 256,1024]
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: { backend: { type: 'string', default: 'tensorflow' }, sizes: { type: 'string', default: '256,1024' } },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const M = 0.05;
const stats = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return `${s[0].toFixed(1)} / ${s[Math.floor(s.length / 2)].toFixed(1)} / ${s[s.length - 1].toFixed(1)}`;
};
console.log(`backend ${tf.getBackend()}, D = 128, m = 4 per class, ${new Date().toISOString()}`);
for (const n of a.sizes.split(',').map(Number)) {
  const labels = Array.from({ length: n }, (_, i) => Math.floor(i / 4));
  const y = tf.tensor1d(labels, 'int32');
  const e = tf.randomNormal([n, 128], 0, 1, 'float32', 5);
  // Each anchor's 3 positives, and the negative mask: constants of the batch.
  const pos = tf.tensor2d(
    labels.flatMap((l, i) =>
      labels
        .map((m, j) => [m, j])
        .filter(([m, j]) => m === l && j !== i)
        .map(([, j]) => j),
    ),
    [n, 3],
    'int32',
  );
  const onehot = tf.cast(tf.oneHot(pos, n), 'float32');
  const neg = tf.tidy(() => tf.sub(1, tf.cast(tf.equal(tf.expandDims(y, 1), tf.expandDims(y, 0)), 'float32')));
  const dense = (x) => {
    const d = margin.ops.pairwiseDistance(x);
    const ap = tf.matMul(onehot, tf.expandDims(d, 2));
    const v = tf.add(tf.sub(ap, tf.expandDims(d, 1)), M);
    return tf.mul(tf.relu(v), tf.expandDims(neg, 1));
  };
  // The count of positive triplets is a constant of the step (no gradient), taken outside tf.grad.
  const count = tf.tidy(() => tf.sum(tf.cast(tf.greater(dense(e), 0), 'float32')));
  const loss = margin.losses.tripletMarginLoss({ checkInputs: false });
  const variants = {
    analytic: () => tf.tidy(() => tf.sum(tf.grad((x) => tf.mean(loss(y, x)))(e))),
    autodiff: () => tf.tidy(() => tf.sum(tf.grad((x) => tf.div(tf.sum(dense(x)), count))(e))),
  };
  const check = await Promise.all(Object.values(variants).map((f) => f().data()));
  const ms = {};
  for (let r = 0; r < 5; r++)
    for (const [k, f] of Object.entries(variants)) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) {
        const g = f();
        g.dataSync();
        g.dispose();
      }
      (ms[k] ??= []).push((performance.now() - t0) / 5);
    }
  console.log(`N=${n}  Σ gradient: analytic ${check[0][0].toExponential(4)}, autodiff ${check[1][0].toExponential(4)}`);
  for (const [k, v] of Object.entries(ms)) console.log(`N=${n}  ${k.padEnd(9)} ${stats(v)} ms`);
  tf.dispose([y, e, pos, onehot, neg, count]);
}
