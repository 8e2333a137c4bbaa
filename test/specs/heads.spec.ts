import * as tf from '@tensorflow/tfjs';
import { layers, losses, ops } from 'tfjs-margin';
import { assert, expectAllFinite, expectClose, expectThrows, expectValueError, scope } from '../harness/assert';
import { rng, uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { frozenWeights, headLogits64, meanCrossEntropy64 } from '../reference/heads';
import { reshape, transpose } from '../reference/numerics';
import { checkGradients, valueTol } from './gradcheck';
import { HEAD_CASES, headWithKernel, oneHot } from './headCases';
import { headModel, roundTrip } from '../harness/models';

const N = 6;
const D = 5;
const C = 4;
const LABELS = [0, 1, 2, 3, 1, 2];

/**
 * Embeddings with known geometry: row 0 near its class center (θ ≈ 10°, k = 0; not closer, since
 * ArcFace's ψ' = cos m + cos θ sin m / sin θ is ill-conditioned in float32 as θ → 0), row 1 opposite
 * its center (θ_y > π − m: ArcFace's fallback), the rest random (k >= 1 for m >= 3 typically).
 */
function caseData(seed: number, columns: number, k: number): { x: number[]; w: number[] } {
  const w = uniform(seed, D * columns, -1, 1);
  const wm = reshape(w, D, columns);
  const col = (j: number) => wm.map((row) => row[j]!);
  const r = rng(seed + 1);
  const x = uniform(seed + 2, N * D, -1.5, 1.5);
  const c0 = col(LABELS[0]! * k);
  const c1 = col(LABELS[1]! * k);
  for (let d = 0; d < D; d++) {
    x[d] = 2 * c0[d]! + 0.6 * (r() - 0.5);
    x[D + d] = -1.5 * c1[d]! + 0.05 * (r() - 0.5);
  }
  return { x, w };
}

for (const hc of HEAD_CASES) {
  const k = hc.cfg.subCenters ?? 1;
  const columns = C * k;

  spec(`heads.${hc.name}`, 'logits match float64 with and without labels', async (ctx) => {
    const { x, w } = caseData(100, columns, k);
    const head = hc.layer(C);
    headWithKernel(head, w, D, columns);
    await scope(async () => {
      const xt = tf.tensor2d(x, [N, D]);
      const withLabels = head.apply([xt, tf.tensor1d(LABELS, 'int32')]) as tf.Tensor;
      const expected = headLogits64(reshape(x, N, D), reshape(w, D, columns), LABELS, hc.cfg).flat();
      const tol = valueTol(ctx);
      await expectClose(
        withLabels,
        expected,
        { rtol: tol.rtol * 5, atol: tol.atol * hc.cfg.scale * 10 },
        'margin logits',
      );
      const floatLabels = head.apply([xt, tf.tensor2d(LABELS, [N, 1])]) as tf.Tensor;
      await expectClose(floatLabels, withLabels, { rtol: 0, atol: 0 }, 'float32 [N, 1] labels give the same logits');
      const plain = head.apply(xt) as tf.Tensor;
      const expectedPlain = headLogits64(reshape(x, N, D), reshape(w, D, columns), null, hc.cfg).flat();
      await expectClose(
        plain,
        expectedPlain,
        { rtol: tol.rtol * 5, atol: tol.atol * hc.cfg.scale * 10 },
        'margin-free logits',
      );
    });
    head.dispose();
  });

  spec(`heads.${hc.name}`, 'analytic gradient vs float64 finite differences (logits and mean loss)', async (ctx) => {
    if (ctx.halfPrecision && hc.halfFloatFd !== undefined) return; // see HeadCase.halfFloatFd
    const { x, w } = caseData(200, columns, k);
    const mask = oneHot(LABELS, C);
    const cfg = frozenWeights(hc.cfg, reshape(x, N, D), reshape(w, D, columns));
    const ref = (xv: number[], wv: number[]) =>
      headLogits64(reshape(xv, N, D), reshape(wv, D, columns), LABELS, cfg).flat();
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor2d(mask, [N, C]), null, hc.op());
    const inputs = [
      { values: x, shape: [N, D] },
      { values: w, shape: [D, columns] },
    ];
    await checkGradients(ctx, 'Σ logits ⊙ r', f, ref, inputs, uniform(201, N * C));
    // The heads' own path: int32 labels, read and written by gather/scatter instead of the mask. Same
    // probe r as above: on half floats another r put a cancellation element 0.045 from float64 against
    // gradients of size 14, beyond the fixed absolute tolerance (3 significant digits).
    const byLabels = (a: tf.Tensor, b: tf.Tensor) =>
      ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, tf.tensor1d(LABELS, 'int32'), null, hc.op());
    await checkGradients(ctx, 'Σ logits ⊙ r (int32 labels)', byLabels, ref, inputs, uniform(201, N * C));
    await checkGradients(
      ctx,
      'mean cross-entropy',
      (a, b) => tf.mean(losses.softmaxCrossEntropy(tf.tensor2d(mask, [N, C]), f(a, b))),
      (xv, wv) => [meanCrossEntropy64(reshape(ref(xv, wv), N, C), LABELS)],
      inputs,
      [1],
    );
  });
}

spec('heads', "straightThrough: the margin's derivative is taken as 1", async (ctx) => {
  for (const hc of HEAD_CASES.filter((h) => h.cfg.kind !== 'cosface')) {
    const k = hc.cfg.subCenters ?? 1;
    const { x, w } = caseData(300, C * k, k);
    await scope(async () => {
      const xt = tf.tensor2d(x, [N, D]);
      const wt = tf.tensor2d(w, [D, C * k]);
      const mask = tf.tensor2d(oneHot(LABELS, C), [N, C]);
      const r = tf.tensor2d(uniform(301, N * C), [N, C]);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, mask, null, hc.op('straightThrough')), r)),
      )([xt, wt]);
      // The same logits as those with a zero target margin plus a constant (the target entries' shift):
      // autodiff of that is the straight-through gradient. Zero margin, not margin-free: CurricularFace's
      // hard negatives stay, differentiated exactly in both modes.
      const opts = hc.op('straightThrough');
      const zero = { ...opts, margin: ops.margins.additiveCosineMargin(0) };
      const shift = tf.sub(ops.marginLogits(xt, wt, mask, null, opts), ops.marginLogits(xt, wt, mask, null, zero));
      const [ex, ew] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, mask, null, zero), shift), r)),
      )([xt, wt]);
      const tol = { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol * hc.cfg.scale };
      await expectClose(gx!, ex!, tol, `${hc.name}: dx`);
      await expectClose(gw!, ew!, tol, `${hc.name}: dW`);
    });
  }
});

spec('heads', 'finite values and gradients at a zero embedding and at cosines of exactly ±1', async () => {
  for (const hc of HEAD_CASES) {
    const k = hc.cfg.subCenters ?? 1;
    const w = uniform(400, 3 * 2 * k, -1, 1);
    const wm = reshape(w, 3, 2 * k);
    const col0 = wm.map((row) => row[0]!);
    // zero row; exactly along class 0's center (cos = 1); exactly opposite (cos = −1)
    const x = [0, 0, 0, ...col0, ...col0.map((v) => -v)];
    await scope(async () => {
      const mask = tf.tensor2d(oneHot([1, 0, 0], 2), [3, 2]);
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          losses.softmaxCrossEntropy(mask, ops.marginLogits(a as tf.Tensor2D, b as tf.Tensor2D, mask, null, hc.op())),
        );
      const xt = tf.tensor2d(x, [3, 3]);
      const wt = tf.tensor2d(w, [3, 2 * k]);
      await expectAllFinite(ops.marginLogits(xt, wt, mask, null, hc.op()), `${hc.name}: logits`);
      const [gx, gw] = tf.grads(f)([xt, wt]);
      await expectAllFinite(gx!, `${hc.name}: dx`);
      await expectAllFinite(gw!, `${hc.name}: dW`);
    });
  }
});

spec(
  'heads.sphereFace',
  'λ annealing: counts training calls, blends the plain cosine, saved and restored',
  async (ctx) => {
    const lambda = { base: 1000, gamma: 0.12, power: 1, min: 5 };
    const head = layers.sphereFace({ numClasses: C, margin: 4, lambda });
    const x = uniform(500, N * D, -1, 1);
    const w = uniform(501, D * C, -1, 1);
    headWithKernel(head, w, D, C);
    assert((await head.iterations()) === 0, 'apply() outside training does not count');
    await scope(async () => {
      const xt = tf.tensor2d(x, [N, D]);
      const y = tf.tensor1d(LABELS, 'int32');
      head.apply([xt, y], { training: true });
      head.apply([xt, y], { training: true });
      const out = head.apply([xt, y], { training: true }) as tf.Tensor;
      const lam = 1000 / (1 + 0.12 * 2);
      const expected = headLogits64(reshape(x, N, D), reshape(w, D, C), LABELS, {
        kind: 'sphereface',
        margin: 4,
        scale: 1,
        lambda: lam,
      }).flat();
      await expectClose(out, expected, { rtol: ctx.tol.rtol * 5, atol: ctx.tol.atol * 10 }, 'logits at t = 2');
    });
    assert((await head.iterations()) === 3, `3 training calls counted, got ${await head.iterations()}`);
    assert(Math.abs((await head.currentLambda()) - 1000 / 1.36) < 1e-3, 'λ(3) = 1000 / 1.36');
    const model = headModel(head, { inputDim: D });
    const { loaded } = await roundTrip(model);
    const restored = loaded.layers.find((l) => l instanceof layers.SphereFace) as layers.SphereFace;
    assert((await restored.iterations()) === 3, 'iteration count restored from the saved weights');
    assert(JSON.stringify(restored.getConfig().lambda) === JSON.stringify(lambda), 'lambda config restored');
    model.dispose();
    head.dispose(); // applied eagerly before the model was built: it holds a second reference
    loaded.dispose();
  },
);

spec('heads', 'every head round-trips through save/loadLayersModel with identical logits', async () => {
  for (const hc of HEAD_CASES) {
    const head = hc.layer(C);
    const model = headModel(head, { inputDim: D });
    const { loaded } = await roundTrip(model);
    await scope(async () => {
      const xs = [tf.tensor2d(uniform(600, N * D), [N, D]), tf.tensor2d(LABELS, [N, 1])];
      await expectClose(
        loaded.predict(xs) as tf.Tensor,
        model.predict(xs) as tf.Tensor,
        { rtol: 0, atol: 0 },
        `${hc.name}: logits after load`,
      );
      const original = head.getConfig();
      const again = loaded.layers[2]!.getConfig();
      assert(
        JSON.stringify({ ...original, name: 0 }) === JSON.stringify({ ...again, name: 0 }),
        `${hc.name}: config ${JSON.stringify(again)}`,
      );
    });
    model.dispose();
    loaded.dispose();
  }
});

spec('heads.subCenterArcFace', 'getOutliers finds the dominant sub-center and far samples', async () => {
  const head = layers.subCenterArcFace({ numClasses: 2, subCenters: 2 });
  // columns: class 0 → e0, e1; class 1 → e2, e3 (D = 4)
  const eye = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  headWithKernel(head, transpose(reshape(eye, 4, 4)).flat(), 4, 4);
  const x = [
    [1, 0.1, 0, 0], // class 0, near e0
    [1, -0.1, 0.05, 0], // class 0, near e0
    [0.2, 1, 0, 0], // class 0, nearest e1 but 79° from e0: outlier
    [0, 0, 0.1, 1], // class 1, near e3
    [0, 0.05, 0, 1], // class 1, near e3
  ];
  const xt = tf.tensor2d(x);
  const yt = tf.tensor1d([0, 0, 0, 1, 1], 'int32');
  const { outliers, dominantCenters } = await head.getOutliers(xt, yt);
  assert(JSON.stringify(outliers) === '[2]', `outliers ${JSON.stringify(outliers)}`);
  await expectClose(
    dominantCenters,
    [1, 0, 0, 0, 0, 0, 0, 1],
    { rtol: 0, atol: 0 },
    'dominant centers e0, e3 as columns',
  );
  tf.dispose([xt, yt, dominantCenters]);
  head.dispose();
});

spec('heads', 'embeddingModel returns the sub-model from the image input to the embedding', async (ctx) => {
  const image = tf.input({ shape: [6] });
  const labelInput = tf.input({ shape: [1] });
  const embedding = tf.layers.dense({ units: D, name: 'embedding' }).apply(image) as tf.SymbolicTensor;
  const model = tf.model({
    inputs: [image, labelInput],
    outputs: layers.arcFace({ numClasses: C }).apply([embedding, labelInput]) as tf.SymbolicTensor,
  });
  const sub = layers.embeddingModel(model);
  await scope(async () => {
    const xs = tf.tensor2d(uniform(700, 2 * 6), [2, 6]);
    const dense = model.getLayer('embedding');
    const expected = tf.add(tf.matMul(xs, dense.getWeights()[0]!), dense.getWeights()[1]!);
    await expectClose(sub.predict(xs) as tf.Tensor, expected, valueTol(ctx), 'embeddings');
  });
  expectThrows(() => layers.embeddingModel(model, { headName: 'nope' }), /'headName'/, /"nope"/);
  model.dispose();
});

spec('heads', 'bad input: clear errors naming the argument', async (ctx) => {
  expectThrows(
    () => layers.largeMarginSoftmax({ numClasses: 3, margin: 2.5 }),
    /LargeMarginSoftmax/,
    /'margin'/,
    /an integer in \[1, 16\]/,
    /2\.5/,
  );
  expectThrows(() => layers.sphereFace({ numClasses: 3, margin: 0 }), /SphereFace/, /'margin'/, /received 0/);
  expectThrows(
    () => layers.cosFace({ numClasses: 3, margin: -0.1 }),
    /CosFace/,
    /'margin'/,
    /a number in \[0, 2\]/,
    /-0\.1/,
  );
  expectThrows(() => layers.arcFace({ numClasses: 3, margin: -1 }), /ArcFace/, /'margin'/, /-1/);
  expectThrows(() => layers.arcFace({ numClasses: 3, scale: 0 }), /'scale'/, /in \(0, 10000\]/, /received 0/);
  // Arguments whose cost or range grows with their value are bounded (a typo must not exhaust memory).
  expectThrows(() => layers.largeMarginSoftmax({ numClasses: 5, margin: 1e9 }), /'margin'/, /\[1, 16\]/, /1000000000/);
  expectThrows(() => layers.sphereFace({ numClasses: 5, margin: 17 }), /'margin'/, /\[1, 16\]/);
  expectThrows(() => layers.subCenterArcFace({ numClasses: 3, subCenters: 1000 }), /'subCenters'/, /\[1, 64\]/);
  expectThrows(() => layers.cosFace({ numClasses: 3, scale: 1e5 }), /'scale'/, /in \(0, 10000\]/);
  expectThrows(() => layers.cosFace({ numClasses: 3, margin: 3 }), /'margin'/, /\[0, 2\]/);
  expectThrows(() => layers.combinedMargin({ numClasses: 3, m1: 100 }), /'m1'/, /\(0, 16\]/);
  const huge = layers.arcFace({ numClasses: 1e7 });
  expectThrows(
    () =>
      huge.build([
        [null, 512],
        [null, 1],
      ]),
    /ArcFace/,
    /'numClasses'/,
    /at most \d+ \(one weight tensor/,
  );
  expectThrows(() => layers.combinedMargin({ numClasses: 3, m1: 0 }), /CombinedMargin/, /'m1'/);
  expectThrows(() => layers.subCenterArcFace({ numClasses: 3, subCenters: 0 }), /'subCenters'/);
  expectThrows(() => layers.arcFace({ numClasses: 0 }), /'numClasses'/, /integer >= 1/);
  expectThrows(() => layers.arcFace({ numClasses: 3, gradient: 'autodiff' as never }), /'gradient'/, /straightThrough/);
  expectThrows(() => layers.arcFace({ numClasses: 3, marginn: 0.5 } as never), /'marginn'/, /unknown key/);
  expectThrows(() => layers.sphereFace({ numClasses: 3, lambda: { base: 1000 } as never }), /'lambda\.gamma'/);
  const head = layers.arcFace({ numClasses: 3 });
  await scope(async () => {
    const unbuilt = head as unknown as { call: (i: tf.Tensor[], k: object) => void };
    expectThrows(() => unbuilt.call([tf.zeros([2, 4]), tf.zeros([2])], {}), /'kernel'/, /built/);
  });
  headWithKernel(head, uniform(800, 4 * 3), 4, 3);
  await scope(async () => {
    const x = tf.zeros([2, 4]);
    await expectValueError(
      ctx.backend,
      () => head.apply([x, tf.tensor1d([0, 3], 'int32')]),
      () => head.validateInputs(x, tf.tensor1d([0, 3], 'int32')),
      /ArcFace/,
      /'labels'/,
      /\[0, 3\)/,
      /3 at index 1/,
    );
    await expectValueError(
      ctx.backend,
      () => head.apply([x, tf.tensor1d([0, 0.5])]),
      () => head.validateInputs(x, tf.tensor1d([0, 0.5])),
      /'labels'/,
      /0\.5 at index 1/,
    );
    await expectValueError(
      ctx.backend,
      () => head.apply([x, tf.tensor1d([0, -1], 'int32')]),
      () => head.validateInputs(x, tf.tensor1d([0, -1], 'int32')),
      /'labels'/,
      /-1 at index 1/,
    );
    expectThrows(() => head.apply([x, tf.tensor1d([0, 1, 2], 'int32')]), /'labels'/, /\[2\] or \[2, 1\]/, /\[3\]/);
    expectThrows(() => head.apply([x, tf.tensor2d([0, 1, 2, 0], [2, 2])]), /'labels'/, /\[2, 2\]/);
    expectThrows(() => head.apply([tf.zeros([2, 4, 1]), tf.tensor1d([0, 1], 'int32')]), /'embeddings'/, /rank-2/);
    expectThrows(() => head.apply([tf.zeros([2, 5]), tf.tensor1d([0, 1], 'int32')]), /'embeddings'/, /\[N, 4\]/);
    await expectValueError(
      ctx.backend,
      () => head.apply([tf.tensor2d([0, Number.NaN, 0, 0, 1, 1, 1, 1], [2, 4]), tf.tensor1d([0, 1], 'int32')]),
      () => head.validateInputs(tf.tensor2d([0, Number.NaN, 0, 0, 1, 1, 1, 1], [2, 4]), tf.tensor1d([0, 1], 'int32')),
      /'embeddings'/,
      /finite/,
      /NaN/,
    );
    expectThrows(() => head.apply([tf.zeros([0, 4]), tf.zeros([0], 'int32')]), /'embeddings'/, /non-empty/);
    // With checkInputs off the values are not read (no sync); shapes are still checked.
    const fast = layers.arcFace({ numClasses: 3, checkInputs: false });
    headWithKernel(fast, uniform(801, 12), 4, 3);
    expectThrows(() => fast.apply([x, tf.tensor1d([0, 1, 2], 'int32')]), /'labels'/);
    fast.dispose();
  });
  head.dispose();
});

spec(
  'losses.marginLosses',
  'cosFaceLoss, arcFaceLoss, combinedMarginLoss on cosines: values and gradients',
  async (ctx) => {
    const cos = uniform(900, N * C, -0.95, 0.95);
    const t = oneHot(LABELS, C);
    const cases = [
      { f: losses.cosFaceLoss({ scale: 8, margin: 0.3 }), cfg: { kind: 'cosface' as const, scale: 8, margin: 0.3 } },
      { f: losses.arcFaceLoss({ scale: 8, margin: 0.5 }), cfg: { kind: 'arcface' as const, scale: 8, margin: 0.5 } },
      {
        f: losses.combinedMarginLoss({ scale: 8, m1: 0.9, m2: 0.3, m3: 0.1 }),
        cfg: { kind: 'combined' as const, scale: 8, m1: 0.9, m2: 0.3, m3: 0.1 },
      },
    ];
    const { psi64 } = await import('../reference/heads');
    for (const { f, cfg } of cases) {
      const ref = (cv: number[]) =>
        reshape(cv, N, C).map((row, i) => {
          const logits = row.map((c, j) => cfg.scale * (j === LABELS[i] ? psi64(cfg, c) : c));
          return meanCrossEntropy64([logits], [LABELS[i]!]);
        });
      await scope(async () => {
        await expectClose(
          f(tf.tensor2d(t, [N, C]), tf.tensor2d(cos, [N, C])),
          ref(cos),
          valueTol(ctx),
          `${cfg.kind}: per-sample loss`,
        );
      });
      await checkGradients(
        ctx,
        `${cfg.kind} loss`,
        (c) => f(tf.tensor2d(t, [N, C]), c),
        ref,
        [{ values: cos, shape: [N, C] }],
        uniform(901, N),
      );
    }
    expectThrows(() => losses.arcFaceLoss({ margin: -0.5 }), /losses\.arcFaceLoss/, /'margin'/);
    expectThrows(() => losses.cosFaceLoss({ scale: 0 }), /'scale'/);
  },
);
