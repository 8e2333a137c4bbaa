import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';
import { assert } from '../harness/assert';
import { spec } from '../harness/registry';

spec(
  'training',
  'normalizedDense + softmaxCrossEntropy learns real MNIST digits with model.fit, memory flat',
  async (ctx) => {
    const { train, test } = ctx.digits;
    const input = tf.input({ shape: [784] });
    const hidden = tf.layers
      .dense({ units: 64, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
      .apply(input);
    const embedding = tf.layers
      .dense({ units: 32, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
      .apply(hidden);
    const logits = layers.normalizedDense({ units: 10, scale: 10 }).apply(embedding) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits });
    model.compile({ optimizer: tf.train.adam(0.003), loss: losses.softmaxCrossEntropy, metrics: ['accuracy'] });
    const xs = tf.tensor2d(train.images, [train.count, 784]);
    const ys = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10).toFloat();
    const counts: number[] = [];
    const history = await model.fit(xs, ys, {
      epochs: 8,
      batchSize: 50,
      shuffle: false,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    const loss = history.history.loss as number[];
    const xt = tf.tensor2d(test.images, [test.count, 784]);
    const predicted = tf.tidy(() => (model.predict(xt) as tf.Tensor).argMax(-1));
    const p = await predicted.data();
    let correct = 0;
    for (let i = 0; i < test.count; i++) if (p[i] === test.labels[i]) correct++;
    const accuracy = correct / test.count;
    tf.dispose([xs, ys, xt, predicted]);
    model.dispose();
    assert(loss.every(Number.isFinite), `loss has non-finite values: ${loss.join(', ')}`);
    assert(loss[loss.length - 1]! < loss[0]! * 0.5, `loss should fall by half: ${loss[0]} → ${loss[loss.length - 1]}`);
    assert(
      counts.slice(1).every((c) => c === counts[1]),
      `numTensors not flat across epochs: ${counts.join(', ')}`,
    );
    const floor = ctx.halfPrecision ? 0.85 : 0.9;
    assert(accuracy >= floor, `held-out accuracy ${accuracy.toFixed(3)} below ${floor}`);
  },
  { leakCheck: false },
);
