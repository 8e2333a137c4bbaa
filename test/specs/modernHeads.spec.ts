import * as tf from '@tensorflow/tfjs';
import { layers, losses, ops } from 'tfjs-margin';
import { assert, expectClose, scope } from '../harness/assert';
import { headModel, roundTrip } from '../harness/models';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { type HeadConfig, headLogits64 } from '../reference/heads';
import { l2Normalize64, matMul64, norm64, reshape, transpose } from '../reference/numerics';
import { checkGradients, valueTol } from './gradcheck';
import { headWithKernel } from './headCases';

// Heads with batch statistics: their state moves on training calls only, before it is used, is saved
// with the model and restored by tf.loadLayersModel.
const N = 6;
const D = 5;
const C = 4;
const LABELS = [0, 1, 2, 3, 1, 2];

function data(seed: number): { x: number[]; w: number[] } {
  return { x: uniform(seed, N * D, -1.5, 1.5), w: uniform(seed + 1, D * C, -1, 1) };
}

/** Float64 target cosines of each sample (clamped to [−1, 1]). */
function targetCosines64(x: number[], w: number[]): number[] {
  const cols = transpose(reshape(w, D, C)).map((c) => l2Normalize64(c));
  const cos = matMul64(
    reshape(x, N, D).map((r) => l2Normalize64(r)),
    transpose(cols),
  );
  return cos.map((row, i) => Math.min(1, Math.max(-1, row[LABELS[i]!]!)));
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const unbiasedStd = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));

spec(
  'heads.curricularFace',
  't follows the EMA of the mean target cosine on training calls only; logits use it',
  async (ctx) => {
    const { x, w } = data(300);
    const head = layers.curricularFace({ numClasses: C, margin: 0.5, scale: 8, momentum: 0.01 });
    headWithKernel(head, w, D, C);
    const tol = valueTol(ctx);
    const tTol = ctx.halfPrecision ? 1e-4 : 1e-6; // half floats hold ~3 significant digits
    const cy = mean(targetCosines64(x, w));
    let t = 0;
    await scope(async () => {
      const xt = tf.tensor2d(x, [N, D]);
      const yt = tf.tensor1d(LABELS, 'int32');
      for (let call = 1; call <= 2; call++) {
        t = 0.01 * cy + 0.99 * t;
        const logits = head.apply([xt, yt], { training: true }) as tf.Tensor;
        const cfg: HeadConfig = { kind: 'curricularface', margin: 0.5, scale: 8, t };
        const expected = headLogits64(reshape(x, N, D), reshape(w, D, C), LABELS, cfg).flat();
        await expectClose(
          logits,
          expected,
          { rtol: tol.rtol * 5, atol: tol.atol * 80 },
          `logits of training call ${call}`,
        );
        assert(
          Math.abs((await head.curriculum()) - t) < tTol,
          `t after ${call} calls: ${await head.curriculum()} vs ${t}`,
        );
      }
      head.apply([xt, yt]); // not a training call: t is read, not moved
      assert(Math.abs((await head.curriculum()) - t) < tTol, 'a call without training leaves t');
    });
    const model = headModel(head, { inputDim: D });
    const { loaded } = await roundTrip(model);
    const restored = loaded.layers.find((l) => l instanceof layers.CurricularFace) as layers.CurricularFace;
    assert(Math.abs((await restored.curriculum()) - t) < tTol, 't restored by tf.loadLayersModel');
    model.dispose();
    loaded.dispose();
    head.dispose();
  },
);

spec(
  'heads.curricularFace',
  'hard negatives with t ≠ 0: analytic gradient vs float64 finite differences',
  async (ctx) => {
    const { x, w } = data(310);
    const t = 0.3;
    const cfg: HeadConfig = { kind: 'curricularface', margin: 0.5, scale: 8, t };
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor1d(LABELS, 'int32'), null, {
        margin: ops.margins.additiveAngularMargin(0.5),
        hardNegatives: ops.margins.curricularHardNegatives(0.5, t),
        scale: 8,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact',
      });
    const ref = (xv: number[], wv: number[]) => headLogits64(reshape(xv, N, D), reshape(wv, D, C), LABELS, cfg).flat();
    await checkGradients(
      ctx,
      'Σ logits ⊙ r',
      f,
      ref,
      [
        { values: x, shape: [N, D] },
        { values: w, shape: [D, C] },
      ],
      uniform(311, N * C),
    );
  },
);

spec('heads.adaFace', 'norm statistics follow their EMAs on training calls only; logits use them', async (ctx) => {
  const { x, w } = data(320);
  const head = layers.adaFace({ numClasses: C, margin: 0.4, h: 0.333, scale: 8, tAlpha: 0.01 });
  headWithKernel(head, w, D, C);
  const norms = reshape(x, N, D).map((r) => Math.min(100, Math.max(1e-3, norm64(r))));
  let mu = 20;
  let sigma = 100;
  const tol = valueTol(ctx);
  const rel = ctx.halfPrecision ? 5e-3 : 1e-4;
  await scope(async () => {
    const xt = tf.tensor2d(x, [N, D]);
    const yt = tf.tensor1d(LABELS, 'int32');
    for (let call = 1; call <= 2; call++) {
      mu = 0.01 * mean(norms) + 0.99 * mu;
      sigma = 0.01 * unbiasedStd(norms) + 0.99 * sigma;
      const logits = head.apply([xt, yt], { training: true }) as tf.Tensor;
      const cfg: HeadConfig = { kind: 'adaface', margin: 0.4, h: 0.333, scale: 8, mean: mu, std: sigma };
      const expected = headLogits64(reshape(x, N, D), reshape(w, D, C), LABELS, cfg).flat();
      await expectClose(
        logits,
        expected,
        { rtol: tol.rtol * 5, atol: tol.atol * 80 },
        `logits of training call ${call}`,
      );
      const stats = await head.normStatistics();
      assert(
        Math.abs(stats.mean - mu) < rel * mu && Math.abs(stats.std - sigma) < rel * sigma,
        `statistics after ${call} calls`,
      );
    }
    head.apply([xt, yt]);
    const after = await head.normStatistics();
    assert(Math.abs(after.mean - mu) < rel * mu, 'a call without training leaves the statistics');
    head.apply([tf.slice(xt, [0, 0], [1, D]), tf.tensor1d([0], 'int32')], { training: true });
    const single = await head.normStatistics();
    assert(Math.abs(single.std - sigma) < rel * sigma, 'a batch of one keeps σ (its standard deviation is undefined)');
    sigma = single.std;
    mu = single.mean;
  });
  const model = headModel(head, { inputDim: D });
  const { loaded } = await roundTrip(model);
  const restored = loaded.layers.find((l) => l instanceof layers.AdaFace) as layers.AdaFace;
  const stats = await restored.normStatistics();
  assert(Math.abs(stats.mean - mu) < rel * mu && Math.abs(stats.std - sigma) < rel * sigma, 'statistics restored');
  model.dispose();
  loaded.dispose();
  head.dispose();
});

spec(
  'heads.adaFace',
  'ĝ inside (−1, 1): analytic gradient (norms detached) vs float64 finite differences',
  async (ctx) => {
    const { x, w } = data(330);
    const norms = reshape(x, N, D).map((r) => norm64(r));
    // μ and σ near this batch's norms put ĝ inside (−1, 1): both the angular and the additive part move.
    const cfg: HeadConfig = { kind: 'adaface', margin: 0.4, h: 0.333, scale: 8, mean: mean(norms), std: 0.3, norms };
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor1d(LABELS, 'int32'), null, {
        margin: ops.margins.adaFaceMargin({ margin: 0.4, h: 0.333, mean: cfg.mean!, std: 0.3 }),
        scale: 8,
        normalizeInputs: true,
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact',
      });
    await scope(async () => {
      const expected = headLogits64(reshape(x, N, D), reshape(w, D, C), LABELS, cfg).flat();
      await expectClose(
        f(tf.tensor2d(x, [N, D]), tf.tensor2d(w, [D, C])),
        expected,
        { rtol: valueTol(ctx).rtol * 5, atol: valueTol(ctx).atol * 80 },
        'logits',
      );
    });
    const ref = (xv: number[], wv: number[]) => headLogits64(reshape(xv, N, D), reshape(wv, D, C), LABELS, cfg).flat();
    await checkGradients(
      ctx,
      'Σ logits ⊙ r',
      f,
      ref,
      [
        { values: x, shape: [N, D] },
        { values: w, shape: [D, C] },
      ],
      uniform(331, N * C),
    );
  },
);

spec('heads.curricularFace', 'model.fit moves t; evaluate and predict do not', async () => {
  const head = layers.curricularFace({ numClasses: C, scale: 8, margin: 0.3, seed: 3 });
  const model = headModel(head, { inputDim: D, embedding: { units: D, seed: 4 } });
  const optimizer = tf.train.sgd(0.01);
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
  const xs = tf.tensor2d(uniform(340, N * D), [N, D]);
  const y = tf.tensor1d(LABELS, 'int32');
  const ys = tf.tidy(() => tf.cast(tf.reshape(y, [N, 1]), 'float32'));
  const targets = tf.oneHot(y, C);
  await model.fit([xs, ys], targets, { epochs: 2, batchSize: 3, verbose: 0 });
  const t = await head.curriculum();
  assert(t !== 0, 'four training batches moved t');
  tf.dispose(model.evaluate([xs, ys], targets) as tf.Scalar);
  tf.dispose(model.predict([xs, ys]) as tf.Tensor);
  assert((await head.curriculum()) === t, 'evaluate and predict leave t');
  tf.dispose([xs, y, ys, targets]);
  model.dispose();
  optimizer.dispose();
});
