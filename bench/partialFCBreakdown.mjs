// Where a Partial FC step's time goes beyond the matmuls: wall time per step, and the time inside the
// host sampler, the center store's gather and its sparse SGD-momentum update (timers wrapped around
// the layer's internals; the rest is the forward and backward over the S sampled centers).
//
//   npm run build && node bench/partialFCBreakdown.mjs [--classes 1000000] [--d 512] [--centers 100000]
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';

const require = createRequire(import.meta.url);
require('@tensorflow/tfjs-node');
await tf.setBackend('tensorflow');
const { values: a } = parseArgs({
  options: {
    classes: { type: 'string', default: '1000000' },
    d: { type: 'string', default: '512' },
    centers: { type: 'string', default: '100000' },
  },
});
const [n, c, d] = [256, Number(a.classes), Number(a.d)];
const x = tf.variable(tf.randomNormal([n, d], 0, 1, 'float32', 1));
const labels = tf.randomUniform([n], 0, c, 'int32', 2);
const head = margin.layers.partialFC({ numClasses: c, sampleRate: Number(a.centers) / c, seed: 3, checkInputs: false });
head.apply([x, labels]).dispose();
const store = head.weights.find((w) => w.name.endsWith('centres')).store;
const spent = { sample: 0, gather: 0, update: 0 };
const wrap = (object, method, key) => {
  const f = object[method].bind(object);
  object[method] = (...args) => {
    const t0 = performance.now();
    const out = f(...args);
    spent[key] += performance.now() - t0;
    return out;
  };
};
wrap(store, 'gather', 'gather');
wrap(store, 'update', 'update');
wrap(head.sampler, 'sample', 'sample');
const tap = head.trainableWeights[0].read();
const optimizer = tf.train.sgd(1e-3);
const step = () => optimizer.minimize(() => tf.mean(head.apply([x, labels], { training: true })), true, [x, tap]);
for (let i = 0; i < 3; i++) step().dispose();
for (const k of Object.keys(spent)) spent[k] = 0;
const steps = 10;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const loss = step();
  await loss.data();
  loss.dispose();
}
const per = (v) => (v / steps).toFixed(1);
console.log(
  `store ${head.centerStoreKind}, C=${c}, D=${d}, S=${head.sampleSize(n)}: step ${per(performance.now() - t0)} ms; ` +
    `sample ${per(spent.sample)} ms, gather ${per(spent.gather)} ms, update ${per(spent.update)} ms`,
);
head.dispose();
optimizer.dispose();
tf.dispose([x, labels]);
