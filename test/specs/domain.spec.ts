import * as tf from '@tensorflow/tfjs';
import { layers, losses, ops } from 'tfjs-margin';
import { assert, expectAllFinite, expectClose, scope, values } from '../harness/assert';
import { spec } from '../harness/registry';
import { valueTol } from './gradcheck';

/**
 * The numeric domain at its edges (found by the fuzz, test/fuzz/): vectors whose squared norm
 * overflows, rows with infinite logits, embeddings of huge magnitude. Each gives the correct result or
 * a documented one, never a silent NaN or a silent 0. Half-float textures (webgl-f16) hold at most
 * 65504, so their magnitudes are the largest they can store.
 */
const big = (ctx: { halfPrecision: boolean }) => (ctx.halfPrecision ? 3e4 : 1e30);

spec('domain', 'l2Normalize: vectors whose Σ x² overflows still get unit norm', async (ctx) => {
  await scope(async () => {
    const b = big(ctx);
    const r = Math.SQRT1_2;
    const largest = ctx.halfPrecision ? 6e4 : 3e38; // near the largest value each can store
    await expectClose(
      ops.l2Normalize(tf.tensor2d([b, b, largest, -largest, 0, 0], [3, 2])),
      [r, r, r, -r, 0, 0],
      valueTol(ctx),
      'huge rows',
    );
    await expectClose(
      ops.cosineSimilarity(tf.tensor2d([b, 0], [1, 2]), tf.tensor2d([b, b], [1, 2])),
      [r],
      valueTol(ctx),
      'cosine',
    );
  });
});

spec('domain', 'softmax and logSoftmax of infinite logits: uniform when nothing is finite, no NaN', async (ctx) => {
  await scope(async () => {
    // Half-float textures (webgl-f16) read ±Infinity back as NaN: there the masks are the extreme halves.
    const inf = ctx.halfPrecision ? 6e4 : Infinity;
    const x = tf.tensor2d([-inf, -inf, -inf, inf, 0, 1, -inf, 0, 0], [3, 3]);
    const third = 1 / 3;
    await expectClose(ops.softmax(x), [third, third, third, 1, 0, 0, 0, 0.5, 0.5], valueTol(ctx), 'softmax');
    const z = await values(ops.logSoftmax(x));
    await expectClose(z.slice(0, 3), [-Math.log(3), -Math.log(3), -Math.log(3)], valueTol(ctx), 'all −∞ row');
    await expectClose([z[3]!, z[7]!, z[8]!], [0, -Math.LN2, -Math.LN2], valueTol(ctx), 'finite entries');
    // log 0 of the classes with no probability: −∞ or the most negative float, never NaN or above.
    for (const i of [4, 5, 6]) assert(z[i]! < -1e4, `logSoftmax entry ${i} = ${z[i]} (want ≈ −∞)`);
  });
});

spec('domain', 'L-Softmax and SphereFace: logits and gradients finite for embeddings up to 1e30', async (ctx) => {
  await scope(async () => {
    // Their logits carry |x|: on half floats the bound is 1e3 (logits of up to (2m − 1)·|x| < 65504).
    const b = ctx.halfPrecision ? 1e3 : 1e30;
    for (const make of [
      () => layers.largeMarginSoftmax({ numClasses: 3, margin: 2, seed: 5 }),
      () => layers.sphereFace({ numClasses: 3, seed: 5 }),
    ]) {
      const head = make();
      const x = tf.tensor2d([b, -b / 2, b / 4, 0.5, -b / 3, b, 0, b / 5], [2, 4]);
      const y = tf.tensor1d([2, 0], 'int32');
      const t = tf.oneHot(y, 3).toFloat();
      await expectAllFinite(head.apply([x, y]) as tf.Tensor, `${head.getClassName()} logits`);
      const g = tf.grad((v: tf.Tensor) => tf.sum(losses.softmaxCrossEntropy(t, head.apply([v, y]) as tf.Tensor)))(x);
      await expectAllFinite(g, `${head.getClassName()} ∂L/∂x`);
      head.dispose();
    }
  });
});
