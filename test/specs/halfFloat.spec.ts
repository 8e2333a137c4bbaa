import * as tf from '@tensorflow/tfjs';
import { losses } from 'tfjs-margin';
import { assert, expectAllFinite } from '../harness/assert';
import { headModel } from '../harness/models';
import { spec } from '../harness/registry';
import { HEAD_CASES } from './headCases';

/**
 * The papers' scale s = 64 is where half floats hurt: logits up to 64, exp overflowing 65504 beyond
 * e^11, and cos θ near 1 resolved only to ~5e-4. Every head must train there without NaN — on
 * webgl-f16 (WEBGL_FORCE_F16_TEXTURES) above all, and on every other backend as well.
 */
for (const hc of HEAD_CASES) {
  spec(
    'halfFloat',
    `${hc.name.replace(/ [ms]\d?=\S+/g, '')} at scale 64 trains on real digits without NaN or Infinity`,
    async (ctx) => {
      const { train } = ctx.digits;
      const count = 500;
      const head = hc.layer(10, { scale: 64, seed: 22 });
      const model = headModel(head, { inputDim: 784, embedding: { units: 16, seed: 21 } });
      model.compile({ optimizer: tf.train.adam(0.003), loss: losses.softmaxCrossEntropy });
      const xs = tf.tensor2d(train.images.subarray(0, count * 784), [count, 784]);
      const labels = train.labels.subarray(0, count);
      const ys = tf.tensor2d(labels, [count, 1]);
      const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
      try {
        // Per-batch losses, read as numbers: tfjs-layers sums an epoch's batch losses in a tensor, which
        // on half floats overflows 65504 with the thousands an untrained s = 64 head starts at.
        const batchLoss: number[] = [];
        await model.fit([xs, ys], targets, {
          epochs: 3,
          batchSize: 50,
          shuffle: false,
          verbose: 0,
          callbacks: { onBatchEnd: async (_batch, logs) => void batchLoss.push(Number(logs?.['loss'])) },
        });
        assert(batchLoss.length === 30, `${hc.name}: ${batchLoss.length} batch losses`);
        assert(batchLoss.every(Number.isFinite), `${hc.name}: batch loss not finite: ${batchLoss.join(', ')}`);
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const first = mean(batchLoss.slice(0, 10));
        const last = mean(batchLoss.slice(20));
        assert(last < first, `${hc.name}: loss did not fall: epoch 1 mean ${first}, epoch 3 mean ${last}`);
        for (const w of model.getWeights()) await expectAllFinite(w, `${hc.name}: weight ${w.shape.join('x')}`);
        const logits = model.predict([xs, ys]) as tf.Tensor;
        await expectAllFinite(logits, `${hc.name}: logits`);
        logits.dispose();
      } finally {
        tf.dispose([xs, ys, targets]);
        model.dispose();
      }
    },
    { leakCheck: false },
  );
}
