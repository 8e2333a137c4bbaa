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

spec('heads.elasticFace', 'training calls draw seeded N(m, σ) margins per sample; other calls use m', async (ctx) => {
  const n = 2000;
  const x = uniform(400, n * D, -1, 1);
  const w = uniform(401, D * C, -1, 1);
  const labels = Array.from({ length: n }, (_, i) => i % C);
  // ElasticFace-Cos: the target logit is s (c − m_i), so each sample's margin reads back exactly.
  const marginsOf = async (head: layers.ElasticFace, training: boolean): Promise<number[]> => {
    headWithKernel(head, w, D, C);
    let out: number[] = [];
    await scope(async () => {
      const logits = head.apply([tf.tensor2d(x, [n, D]), tf.tensor1d(labels, 'int32')], { training }) as tf.Tensor;
      const plain = head.apply(tf.tensor2d(x, [n, D])) as tf.Tensor;
      const [withMargin, without] = [await logits.data(), await plain.data()];
      out = labels.map((y, i) => (without[i * C + y]! - withMargin[i * C + y]!) / head.scale);
    });
    return out;
  };
  const make = (seed: number, plus = false) =>
    layers.elasticFace({ numClasses: C, kind: 'cos', margin: 0.35, sigma: 0.025, scale: 8, seed, plus });
  const [a, b, other] = [make(7), make(7), make(8)];
  const drawsA = await marginsOf(a, true);
  const drawsB = await marginsOf(b, true);
  const tol = ctx.tol.atol * 50;
  assert(
    drawsA.every((v, i) => Math.abs(v - drawsB[i]!) <= tol),
    'the same seed draws the same margins',
  );
  const second = await marginsOf(a, true);
  assert(
    second.some((v, i) => Math.abs(v - drawsA[i]!) > 1e-3),
    'each training call draws afresh',
  );
  const drawsOther = await marginsOf(other, true);
  assert(
    drawsOther.some((v, i) => Math.abs(v - drawsA[i]!) > 1e-3),
    'another seed draws other margins',
  );
  const mean = drawsA.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(drawsA.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  // Standard errors: σ/√n = 5.6e-4 for the mean, σ/√(2n) = 4e-4 for σ; 4 of them, plus rounding.
  assert(Math.abs(mean - 0.35) < 3e-3 + tol, `mean margin ${mean}, expected 0.35`);
  assert(Math.abs(std - 0.025) < 2.5e-3 + tol, `margin std ${std}, expected 0.025`);
  const fixed = await marginsOf(a, false);
  assert(
    fixed.every((v) => Math.abs(v - 0.35) <= tol),
    'calls that are not training use the mean margin',
  );
  // ElasticFace+: the sorted draws go to the samples in order of target cosine, largest cosine first.
  const plus = make(9, true);
  const paired = await marginsOf(plus, true);
  let cos: number[] = [];
  await scope(async () => {
    const v = await (plus.apply(tf.tensor2d(x, [n, D])) as tf.Tensor).data();
    cos = labels.map((y, i) => v[i * C + y]! / 8);
  });
  const order = labels.map((_, i) => i).sort((i, j) => cos[j]! - cos[i]!);
  let inversions = 0;
  for (let r = 1; r < n; r++) if (paired[order[r]!]! < paired[order[r - 1]!]! - tol) inversions++;
  assert(inversions === 0, `ElasticFace+: margins not ascending along descending cosines (${inversions} inversions)`);
  for (const h of [a, b, other, plus]) h.dispose();
});

spec('heads.magFace', "the norm regularizer joins model.fit's loss; its gradient reaches the norm", async (ctx) => {
  const args = { numClasses: C, scale: 8, lowerNorm: 0.5, upperNorm: 5, lowerMargin: 0.2, upperMargin: 0.6 };
  const head = layers.magFace({ ...args, lambdaG: 3 });
  const x = uniform(410, N * D, -1.5, 1.5);
  const norms = reshape(x, N, D).map((r) => norm64(r));
  const g64 = (xs: number[]) =>
    (3 / N) *
    reshape(xs, N, D)
      .map((r) => Math.min(5, Math.max(0.5, norm64(r))))
      .reduce((s, a) => s + a / 25 + 1 / a, 0);
  await scope(async () => {
    const xt = tf.tensor2d(x, [N, D]);
    await expectClose(head.quality(xt), norms, valueTol(ctx), 'quality() is the norm');
    head.apply([xt, tf.tensor1d(LABELS, 'int32')]);
    const [idle] = head.calculateLosses();
    await expectClose(idle!, [0], { rtol: 0, atol: 0 }, 'no regularizer before a training call');
    head.apply([xt, tf.tensor1d(LABELS, 'int32')], { training: true });
    const [term] = head.calculateLosses();
    await expectClose(term!, [g64(x)], valueTol(ctx), 'λ_g · mean g(a) after a training call');
  });
  await checkGradients(
    ctx,
    'regularizer',
    (a) => head.regularizer(a),
    (xs) => [g64(xs)],
    [{ values: x, shape: [N, D] }],
    [1],
  );
  // fit's logged loss is the cross-entropy plus the regularizer: with λ_g = 0 the same step logs less.
  const losses0: number[] = [];
  for (const lambdaG of [3, 0]) {
    const h = layers.magFace({ ...args, lambdaG, seed: 2 });
    const model = headModel(h, { inputDim: D, embedding: { units: D, seed: 4 } });
    const optimizer = tf.train.sgd(0);
    model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
    const xs = tf.tensor2d(x, [N, D]);
    const ys = tf.tensor2d(LABELS, [N, 1]);
    const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(LABELS, 'int32'), C));
    const history = await model.fit([xs, ys], targets, { epochs: 1, batchSize: N, verbose: 0 });
    losses0.push(history.history['loss']![0] as number);
    const dense = model.layers.find((l) => l.getClassName() === 'Dense')!;
    const embedded = tf.tidy(() => dense.apply(xs) as tf.Tensor);
    const term = h.regularizer(embedded);
    if (lambdaG === 3) losses0.push((await term.data())[0]!);
    tf.dispose([xs, ys, targets, embedded, term]);
    optimizer.dispose();
    model.dispose();
  }
  const [withReg, reg, without] = losses0 as [number, number, number];
  const lossTol = 10 * ctx.tol.rtol * Math.max(1, withReg);
  assert(Math.abs(withReg - without - reg) <= lossTol, `fit loss ${withReg} ≠ ${without} + ${reg}`);
  head.dispose();
});

spec('heads.adaCos', 'the dynamic scale moves on training calls only and is saved with the model', async (ctx) => {
  const head = layers.adaCos({ numClasses: C, seed: 3 });
  const model = headModel(head, { inputDim: D, embedding: { units: D, seed: 4 } });
  const optimizer = tf.train.sgd(0.01);
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
  const xs = tf.tensor2d(uniform(420, N * D), [N, D]);
  const y = tf.tensor1d(LABELS, 'int32');
  const ys = tf.tidy(() => tf.cast(tf.reshape(y, [N, 1]), 'float32'));
  const targets = tf.oneHot(y, C);
  const initial = await head.currentScale();
  assert(Math.abs(initial - Math.SQRT2 * Math.log(C - 1)) <= 2 * ctx.tol.rtol * initial, `initial scale ${initial}`);
  await model.fit([xs, ys], targets, { epochs: 2, batchSize: 3, verbose: 0, shuffle: false });
  const s = await head.currentScale();
  assert(s !== initial && Number.isFinite(s) && s > 0, `four training batches moved the scale: ${s}`);
  tf.dispose(model.evaluate([xs, ys], targets) as tf.Scalar);
  tf.dispose(model.predict([xs, ys]) as tf.Tensor);
  assert((await head.currentScale()) === s, 'evaluate and predict leave the scale');
  const { loaded } = await roundTrip(model);
  const restored = loaded.layers.find((l) => l instanceof layers.AdaCos) as layers.AdaCos;
  assert((await restored.currentScale()) === s, 'the scale is restored by loadLayersModel');
  const fixed = layers.adaCos({ numClasses: C, dynamic: false });
  assert(
    fixed.weights.length === 0 && Math.abs((await fixed.currentScale()) - initial) <= 2 * ctx.tol.rtol * initial,
    'dynamic: false keeps √2 ln(C − 1)',
  );
  tf.dispose([xs, y, ys, targets]);
  model.dispose();
  loaded.dispose();
  optimizer.dispose();
});
