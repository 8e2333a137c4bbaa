import * as tf from '@tensorflow/tfjs';
import { losses, ops } from 'tfjs-margin';
import { expectAllFinite, expectClose, expectThrows, expectValueError, scope } from '../harness/assert';
import { randomLabels, uniform } from '../harness/random';
import { spec } from '../harness/registry';
import { crossEntropy64, reshape } from '../reference/numerics';
import { checkGradients, valueTol } from './gradcheck';

const oneHot = (labels: number[], c: number) =>
  labels.flatMap((y) => Array.from({ length: c }, (_, j) => (j === y ? 1 : 0)));
const perRow = (t: number[], x: number[], c: number, temperature = 1) =>
  reshape(x, x.length / c, c).map((row, i) => crossEntropy64(t.slice(i * c, (i + 1) * c), row, temperature));

spec('losses.softmaxCrossEntropy', 'per-sample values, seed example and large logits', async (ctx) => {
  await scope(async () => {
    const t = oneHot([2, 0], 4);
    const x = [38, 20, 40, 39, 38, 20, 40, 39];
    await expectClose(
      losses.softmaxCrossEntropy(tf.tensor2d(t, [2, 4]), tf.tensor2d(x, [2, 4])),
      [0.40760597, 2.40760597],
      valueTol(ctx),
      'seed',
    );
    const big = losses.softmaxCrossEntropy(tf.tensor2d([0, 1, 0], [1, 3]), tf.tensor2d([64, -64, 30], [1, 3]));
    await expectAllFinite(big, 'scale-64 logits');
    await expectClose(big, [128], valueTol(ctx), 'scale-64 logits');
    const soft = uniform(30, 3 * 5, 0, 1);
    const logits = uniform(31, 3 * 5, -8, 8);
    await expectClose(
      losses.softmaxCrossEntropy(tf.tensor2d(soft, [3, 5]), tf.tensor2d(logits, [3, 5])),
      perRow(soft, logits, 5),
      valueTol(ctx),
      'soft targets',
    );
  });
});

spec('losses.softmaxCrossEntropy', 'fused gradient vs finite differences (logits and targets)', async (ctx) => {
  const t = oneHot(randomLabels(32, 3, 5), 5);
  const x = uniform(33, 15, -4, 4);
  await checkGradients(
    ctx,
    'CE',
    (a, b) => losses.softmaxCrossEntropy(a, b),
    (tv, xv) => perRow(tv, xv, 5),
    [
      { values: t, shape: [3, 5] },
      { values: x, shape: [3, 5] },
    ],
    uniform(34, 3),
  );
});

spec('losses.sparseSoftmaxCrossEntropy', 'equals one-hot form; int32 and float labels', async (ctx) => {
  await scope(async () => {
    const labels = randomLabels(35, 4, 6);
    const x = uniform(36, 24, -5, 5);
    const expected = perRow(oneHot(labels, 6), x, 6);
    const logits = tf.tensor2d(x, [4, 6]);
    await expectClose(
      losses.sparseSoftmaxCrossEntropy(tf.tensor1d(labels, 'int32'), logits),
      expected,
      valueTol(ctx),
      'int32 [N]',
    );
    await expectClose(
      losses.sparseSoftmaxCrossEntropy(tf.tensor2d(labels, [4, 1]), logits),
      expected,
      valueTol(ctx),
      'float32 [N, 1]',
    );
  });
});

spec('losses.softmaxCrossEntropyWith', 'label smoothing and temperature', async (ctx) => {
  const labels = randomLabels(37, 3, 4);
  const t = oneHot(labels, 4);
  const x = uniform(38, 12, -6, 6);
  const eps = 0.1;
  const smooth = t.map((v) => v * (1 - eps) + eps / 4);
  const f = losses.softmaxCrossEntropyWith({ labelSmoothing: eps, temperature: 2 });
  await scope(async () => {
    await expectClose(
      f(tf.tensor2d(t, [3, 4]), tf.tensor2d(x, [3, 4])),
      perRow(smooth, x, 4, 2),
      valueTol(ctx),
      'ε=0.1, τ=2',
    );
  });
  await checkGradients(
    ctx,
    'CE ε, τ',
    (b) => f(tf.tensor2d(t, [3, 4]), b),
    (xv) => perRow(smooth, xv, 4, 2),
    [{ values: x, shape: [3, 4] }],
    uniform(39, 3),
  );
});

spec('losses', 'reject mismatched shapes, bad labels and bad configuration', async (ctx) => {
  await scope(async () => {
    const x = tf.zeros([2, 3]);
    expectThrows(
      () => losses.softmaxCrossEntropy(tf.zeros([2, 4]), x),
      /softmaxCrossEntropy/,
      /'yTrue'/,
      /\[2, 3\]/,
      /\[2, 4\]/,
    );
    await expectValueError(
      ctx.backend,
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, 3], 'int32'), x),
      () => ops.validateLabels(tf.tensor1d([0, 3], 'int32'), 3),
      /'labels'/,
      /\[0, 3\)/,
      /3 at index 1/,
    );
    await expectValueError(
      ctx.backend,
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, 1.5]), x),
      () => ops.validateLabels(tf.tensor1d([0, 1.5]), 3),
      /'labels'/,
      /integers/,
      /1\.5 at index 1/,
    );
    await expectValueError(
      ctx.backend,
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, -1], 'int32'), x),
      () => ops.validateLabels(tf.tensor1d([0, -1], 'int32'), 3),
      /'labels'/,
      /-1 at index 1/,
    );
    await expectValueError(
      ctx.backend,
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, Number.NaN]), x),
      () => ops.validateLabels(tf.tensor1d([0, Number.NaN]), 3),
      /'labels'/,
      /NaN at index 1/,
    );
    expectThrows(
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, 1, 2], 'int32'), x),
      /'labels'/,
      /\[2\] or \[2, 1\]/,
      /\[3\]/,
    );
    expectThrows(
      () => losses.sparseSoftmaxCrossEntropy(tf.tensor1d([0, 1], 'int32'), tf.zeros([2])),
      /'logits'/,
      /rank-2/,
    );
    expectThrows(
      () => losses.softmaxCrossEntropyWith({ labelSmoothing: 1 }),
      /'labelSmoothing'/,
      /\[0, 1\)/,
      /received 1/,
    );
    expectThrows(() => losses.softmaxCrossEntropyWith({ temperature: 0 }), /'temperature'/, /> 0/);
  });
});
