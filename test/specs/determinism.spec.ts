import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';
import { assert } from '../harness/assert';
import { headModel } from '../harness/models';
import { spec } from '../harness/registry';

/** Trains a seeded ArcFace model on real digits and returns its final weights. */
async function trainSeeded(digits: { images: Float32Array; labels: Int32Array }): Promise<Float32Array[]> {
  const count = 200;
  const head = layers.arcFace({ numClasses: 10, scale: 16, margin: 0.3, seed: 32 });
  const model = headModel(head, { inputDim: 784, embedding: { units: 16, seed: 31 } });
  model.compile({ optimizer: tf.train.adam(0.01), loss: losses.softmaxCrossEntropy });
  const xs = tf.tensor2d(digits.images.subarray(0, count * 784), [count, 784]);
  const labels = digits.labels.subarray(0, count);
  const ys = tf.tensor2d(labels, [count, 1]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
  try {
    await model.fit([xs, ys], targets, { epochs: 2, batchSize: 20, shuffle: false, verbose: 0 });
    return await Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
  } finally {
    tf.dispose([xs, ys, targets]);
    model.dispose();
  }
}

spec(
  'determinism',
  'the same seeds give bit-identical training (dense + ArcFace, 20 Adam steps)',
  async (ctx) => {
    const a = await trainSeeded(ctx.digits.train);
    const b = await trainSeeded(ctx.digits.train);
    assert(a.length === b.length, 'weight count differs');
    for (let i = 0; i < a.length; i++) {
      const wa = a[i]!;
      const wb = b[i]!;
      const diff = wa.findIndex((v, j) => !Object.is(v, wb[j]));
      assert(diff < 0, `weight ${i} differs at element ${diff}: ${wa[diff]} vs ${wb[diff]}`);
    }
  },
  { leakCheck: false },
);
