import * as tf from '@tensorflow/tfjs';
import { callbacks, data, layers, losses } from 'tfjs-margin';
import { assert, expectClose, values } from '../harness/assert';
import { headModel } from '../harness/models';
import { spec } from '../harness/registry';
import { randomLabels, uniform } from '../harness/random';

type Head = layers.MarginSoftmaxHead;

/** Logits and d(Σ r ⊙ logits)/dx of a head on fixed inputs, at the head's current margin strength. */
function logitsAndGrad(head: Head, x: tf.Tensor2D, y: tf.Tensor1D, r: tf.Tensor2D): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const f = (e: tf.Tensor) => head.apply([e, y]) as tf.Tensor;
    const g = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(f(e), r)))(x);
    return [f(x), g];
  });
}

function sameKernel(a: Head, b: Head): void {
  b.setWeights(a.getWeights());
}

spec(
  'workflow',
  'margin strength t scales ArcFace, CosFace and combined margins to t·m, value and gradient',
  async (ctx) => {
    const n = 6;
    const d = 5;
    const c = 4;
    const x = tf.tensor2d(uniform(71, n * d), [n, d]);
    const y = tf.tensor1d(randomLabels(72, n, c), 'int32');
    const r = tf.tensor2d(uniform(73, n * c), [n, c]);
    const pairs: [Head, Head][] = [
      [
        layers.arcFace({ numClasses: c, margin: 0.5, scale: 8, seed: 1 }),
        layers.arcFace({ numClasses: c, margin: 0.2, scale: 8 }),
      ],
      [
        layers.cosFace({ numClasses: c, margin: 0.35, scale: 8, seed: 1 }),
        layers.cosFace({ numClasses: c, margin: 0.14, scale: 8 }),
      ],
      [
        layers.combinedMargin({ numClasses: c, m1: 1.5, m2: 0.3, m3: 0.2, scale: 8, seed: 1 }),
        layers.combinedMargin({ numClasses: c, m1: 1.2, m2: 0.12, m3: 0.08, scale: 8 }),
      ],
    ];
    for (const [head, scaled] of pairs) {
      head.apply([tf.input({ shape: [d] }), tf.input({ shape: [1] })]);
      scaled.apply([tf.input({ shape: [d] }), tf.input({ shape: [1] })]);
      sameKernel(head, scaled);
      head.setMarginStrength(0.4);
      const [l, g] = logitsAndGrad(head, x, y, r);
      const [le, ge] = logitsAndGrad(scaled, x, y, r);
      await expectClose(l, le, ctx.tol, `${head.getClassName()} logits at t = 0.4`);
      await expectClose(
        g,
        ge,
        { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol },
        `${head.getClassName()} gradient at t = 0.4`,
      );
      tf.dispose([l, g, le, ge]);
      head.dispose();
      scaled.dispose();
    }
    tf.dispose([x, y, r]);
  },
);

spec(
  'workflow',
  'margin strength t blends SphereFace and L-Softmax targets: (1 − t)·cos + t·ψ, value and gradient',
  async (ctx) => {
    const n = 6;
    const d = 5;
    const c = 4;
    const x = tf.tensor2d(uniform(81, n * d), [n, d]);
    const y = tf.tensor1d(randomLabels(82, n, c), 'int32');
    const r = tf.tensor2d(uniform(83, n * c), [n, c]);
    for (const head of [
      layers.sphereFace({ numClasses: c, margin: 4, seed: 2 }),
      layers.largeMarginSoftmax({ numClasses: c, margin: 3, seed: 3 }),
    ]) {
      head.apply([tf.input({ shape: [d] }), tf.input({ shape: [1] })]);
      const [l1, g1] = logitsAndGrad(head, x, y, r);
      head.setMarginStrength(0);
      const [l0, g0] = logitsAndGrad(head, x, y, r);
      head.setMarginStrength(0.3);
      const [lt, gt] = logitsAndGrad(head, x, y, r);
      const blend = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.add(tf.mul(a, 0.7), tf.mul(b, 0.3)));
      const [le, ge] = [blend(l0, l1), blend(g0, g1)];
      await expectClose(lt, le, ctx.tol, `${head.getClassName()} logits at t = 0.3`);
      await expectClose(
        gt,
        ge,
        { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol },
        `${head.getClassName()} gradient at t = 0.3`,
      );
      // t = 0 is the plain (margin-free) logit, as when no labels are given.
      const plain = head.apply(x) as tf.Tensor;
      await expectClose(l0, plain, ctx.tol, `${head.getClassName()} logits at t = 0`);
      tf.dispose([l1, g1, l0, g0, lt, gt, le, ge, plain]);
      head.dispose();
    }
    tf.dispose([x, y, r]);
  },
);

/** A small dense + ArcFace model on real digits, for the callback specs. */
function digitModel(ctx: Parameters<Parameters<typeof spec>[2]>[0], optimizer: tf.Optimizer) {
  const count = 200;
  const head = layers.arcFace({ numClasses: 10, scale: 16, margin: 0.3, seed: 6 });
  const model = headModel(head, { inputDim: 784, embedding: { units: 8, seed: 5 } });
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });
  const labels = ctx.digits.train.labels.subarray(0, count);
  const xs = tf.tensor2d(ctx.digits.train.images.subarray(0, count * 784), [count, 784]);
  const ys = tf.tensor2d(labels, [count, 1]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
  return {
    model,
    head,
    xs,
    ys,
    targets,
    labels,
    dispose: () => (tf.dispose([xs, ys, targets]), model.dispose(), optimizer.dispose()),
  };
}

spec(
  'workflow',
  'learning-rate schedules drive sgd and adam in model.fit (a zero rate leaves weights unchanged)',
  async (ctx) => {
    for (const optimizer of [tf.train.sgd(0.5), tf.train.adam(0.5)]) {
      const m = digitModel(ctx, optimizer);
      const before = await Promise.all(m.model.getWeights().map((w) => values(w)));
      const zero = callbacks.learningRateScheduler({ schedule: () => 0 });
      await m.model.fit([m.xs, m.ys], m.targets, {
        epochs: 1,
        batchSize: 50,
        shuffle: false,
        verbose: 0,
        callbacks: [zero],
      });
      const after = await Promise.all(m.model.getWeights().map((w) => values(w)));
      // Exactly unchanged; on half-float storage, within the rounding of re-storing a value.
      let worst = 0;
      before.forEach((w, i) =>
        w.forEach((v, j) => {
          const diff = Math.abs(v - after[i]![j]!) / (Math.abs(v) + 1e-3);
          worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
        }),
      );
      assert(
        worst <= (ctx.halfPrecision ? 2e-3 : 0),
        `${optimizer.getClassName()}: a zero learning rate changed the weights (worst relative change ${worst})`,
      );
      const schedule = callbacks.polynomialDecay({ learningRate: 0.01, warmupSteps: 2 });
      const seen: number[] = [];
      await m.model.fit([m.xs, m.ys], m.targets, {
        epochs: 2,
        batchSize: 50,
        shuffle: false,
        verbose: 0,
        callbacks: [
          schedule,
          new (class extends tf.Callback {
            override async onBatchEnd(_b: number, logs?: tf.Logs) {
              seen.push(logs?.['lr'] as number);
            }
          })(),
        ],
      });
      const total = 8;
      const expected = Array.from({ length: total }, (_, s) =>
        s < 2 ? (0.01 * s) / 2 : 0.01 * (1 - (s - 2) / 6) ** 2,
      );
      await expectClose(seen, expected, { rtol: 1e-12, atol: 0 }, `${optimizer.getClassName()} per-step rates`);
      const lr = (optimizer as unknown as { learningRate: number }).learningRate;
      assert(
        lr === expected[total - 1],
        `${optimizer.getClassName()} ends at rate ${lr}, expected ${expected[total - 1]}`,
      );
      const moved = await values(m.model.getWeights()[0]!);
      assert(
        moved.some((v, j) => v !== after[0]![j]),
        `${optimizer.getClassName()}: scheduled training did not move weights`,
      );
      m.dispose();
    }
  },
);

spec('workflow', 'marginWarmup ramps the head from no margin to the full margin during fit', async (ctx) => {
  const m = digitModel(ctx, tf.train.adam(0.01));
  const warm = callbacks.marginWarmup({ head: m.head, warmupSteps: 6 });
  const seen: number[] = [];
  const history = await m.model.fit([m.xs, m.ys], m.targets, {
    epochs: 2,
    batchSize: 50,
    shuffle: false,
    verbose: 0,
    callbacks: [
      warm,
      new (class extends tf.Callback {
        override async onBatchBegin(_b: number, logs?: tf.Logs) {
          seen.push(logs?.['marginStrength'] as number);
        }
      })(),
    ],
  });
  await expectClose(
    seen,
    [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1, 1],
    { rtol: 1e-12, atol: 1e-15 },
    'strength per step',
  );
  assert(m.head.marginStrength === 1, `strength after warm-up is ${m.head.marginStrength}`);
  const logged = history.history['marginStrength'] as number[];
  await expectClose(logged, [3 / 6, 1], { rtol: 1e-12, atol: 0 }, 'strength in the epoch logs');
  const loss = history.history['loss'] as number[];
  assert(loss.every(Number.isFinite), `loss ${loss.join()}`);
  m.dispose();
});

spec('workflow', 'verificationCallback logs open-set verification each epoch, memory flat', async (ctx) => {
  const m = digitModel(ctx, tf.train.adam(0.01));
  const { test } = ctx.digits;
  const pairs = 40;
  const a: number[] = [];
  const b: number[] = [];
  const isSame: boolean[] = [];
  for (let i = 0; i < pairs; i++) {
    const j = (i * 7 + 3) % test.count;
    const same = i % 2 === 0;
    let k = (j + 1) % test.count;
    while ((test.labels[k] === test.labels[j]) !== same) k = (k + 1) % test.count;
    a.push(j);
    b.push(k);
    isSame.push(same);
  }
  const images = tf.tensor2d(test.images, [test.count, 784]);
  const pa = tf.gather(images, a);
  const pb = tf.gather(images, b);
  const check = callbacks.verificationCallback({ pairs: { a: pa, b: pb, isSame }, folds: 4 });
  const counts: number[] = [];
  const history = await m.model.fit([m.xs, m.ys], m.targets, {
    epochs: 3,
    batchSize: 50,
    shuffle: false,
    verbose: 0,
    callbacks: [
      check,
      // A CustomCallback resolves the epoch's loss tensors first, as fit's own logging does.
      new tf.CustomCallback({ onEpochEnd: async () => void counts.push(tf.memory().numTensors) }),
    ],
  });
  const acc = history.history['verificationAccuracy'] as number[];
  assert(acc.length === 3 && acc.every((v) => v >= 0 && v <= 1), `verificationAccuracy ${acc}`);
  assert(check.results.length === 3, `results ${check.results.length}`);
  assert(counts[2] === counts[1], `numTensors grew across epochs: ${counts.join(', ')}`);
  tf.dispose([images, pa, pb]);
  m.dispose();
});

spec('workflow', 'classBalancedSampler feeds fitDataset with m samples of k classes per batch', async (ctx) => {
  const m = digitModel(ctx, tf.train.adam(0.01));
  const sampler = data.classBalancedSampler(Array.from(m.labels), { samplesPerClass: 4, classesPerBatch: 5, seed: 9 });
  for (const batch of sampler.epoch()) {
    const counts = new Map<number, number>();
    for (const i of batch) counts.set(m.labels[i]!, (counts.get(m.labels[i]!) ?? 0) + 1);
    assert(counts.size === 5 && [...counts.values()].every((v) => v === 4), `batch classes ${[...counts.entries()]}`);
  }
  const dataset = tf.data.generator(() => sampler.batches([m.xs, m.ys], m.targets));
  await m.model.fitDataset(dataset, { epochs: 1, verbose: 0 }); // creates the optimizer's slots
  const before = tf.memory().numTensors;
  const history = await m.model.fitDataset(dataset, { epochs: 2, verbose: 0 });
  const loss = history.history['loss'] as number[];
  assert(loss.length === 2 && loss.every(Number.isFinite), `loss ${loss}`);
  assert(tf.memory().numTensors === before, `fitDataset leaked ${tf.memory().numTensors - before} tensors`);
  m.dispose();
});
