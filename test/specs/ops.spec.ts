import * as tf from '@tensorflow/tfjs';
import { ops } from 'tfjs-margin';
import { expectAllFinite, expectClose, expectThrows, scope } from '../harness/assert';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';
import {
  l2Normalize64,
  logSoftmax64,
  normalizedLinear64,
  reshape,
  softmax64,
  transpose,
  matMul64,
} from '../reference/numerics';
import { checkGradients, valueTol } from './gradcheck';

const SEED = [38, 20, 40, 39];
const rowwise = (flat: number[], cols: number, f: (row: number[]) => number[]) =>
  reshape(flat, flat.length / cols, cols).flatMap(f);

spec('ops.softmax', "seed note's worked example", async (ctx) => {
  await scope(async () => {
    const x = tf.tensor1d(SEED);
    await expectClose(
      ops.softmax(x),
      [9.0030573e-2, 1.3711638e-9, 6.65240955e-1, 2.44728471e-1],
      valueTol(ctx),
      'softmax',
    );
    await expectClose(
      ops.softmax(x, { temperature: 100 }),
      [0.25869729, 0.21608214, 0.26392332, 0.26129724],
      valueTol(ctx),
      'τ=100',
    );
  });
});

spec('ops.softmax', 'matches float64 reference on rows, any axis, huge logits', async (ctx) => {
  await scope(async () => {
    const v = uniform(1, 3 * 5, -30, 30);
    await expectClose(
      ops.softmax(tf.tensor2d(v, [3, 5])),
      rowwise(v, 5, (r) => softmax64(r)),
      valueTol(ctx),
      'axis -1',
    );
    const cols = transpose(reshape(v, 3, 5)).map((c) => softmax64(c, 2));
    await expectClose(
      ops.softmax(tf.tensor2d(v, [3, 5]), { axis: 0, temperature: 2 }),
      transpose(cols).flat(),
      valueTol(ctx),
      'axis 0, τ=2',
    );
    // Half floats top out at 65504: inputs, and differences x − max, beyond it are already infinite.
    const huge = ctx.halfPrecision ? [3e4, -3e4, 1e4] : [1e30, -1e30, 3e29];
    await expectClose(ops.softmax(tf.tensor1d(huge)), [1, 0, 0], valueTol(ctx), `magnitude ${huge[0]}`);
  });
});

spec('ops.softmax', 'analytic gradient vs finite differences', async (ctx) => {
  const x = uniform(2, 12, -3, 3);
  const r = uniform(3, 12);
  await checkGradients(
    ctx,
    'softmax τ=1',
    (t) => ops.softmax(t),
    (v) => rowwise(v, 4, (row) => softmax64(row)),
    [{ values: x, shape: [3, 4] }],
    r,
  );
  await checkGradients(
    ctx,
    'softmax τ=0.5',
    (t) => ops.softmax(t, { temperature: 0.5 }),
    (v) => rowwise(v, 4, (row) => softmax64(row, 0.5)),
    [{ values: x, shape: [3, 4] }],
    r,
  );
});

spec('ops.logSoftmax', "seed note's worked example and finite for any magnitude", async (ctx) => {
  await scope(async () => {
    await expectClose(
      ops.logSoftmax(tf.tensor1d(SEED)),
      [-2.40760597, -20.40760597, -0.40760597, -1.40760597],
      valueTol(ctx),
      'log-softmax',
    );
    const big = ops.logSoftmax(tf.tensor1d([0, 1e4, -1e4]));
    await expectAllFinite(big, 'log-softmax of ±1e4');
    await expectClose(big, [-1e4, 0, -2e4], valueTol(ctx), 'log-softmax of ±1e4');
    const v = uniform(4, 8, -50, 50);
    await expectClose(
      ops.logSoftmax(tf.tensor2d(v, [2, 4]), { temperature: 3 }),
      rowwise(v, 4, (r) => logSoftmax64(r, 3)),
      valueTol(ctx),
      'τ=3',
    );
  });
});

spec('ops.logSoftmax', 'analytic gradient vs finite differences', async (ctx) => {
  const x = uniform(5, 12, -4, 4);
  const r = uniform(6, 12);
  await checkGradients(
    ctx,
    'logSoftmax',
    (t) => ops.logSoftmax(t),
    (v) => rowwise(v, 6, (row) => logSoftmax64(row)),
    [{ values: x, shape: [2, 6] }],
    r,
  );
  await checkGradients(
    ctx,
    'logSoftmax τ=2',
    (t) => ops.logSoftmax(t, { temperature: 2 }),
    (v) => rowwise(v, 6, (row) => logSoftmax64(row, 2)),
    [{ values: x, shape: [2, 6] }],
    r,
  );
});

spec('ops.softmax', 'rejects bad temperature, axis, rank and dtype', async () => {
  await scope(async () => {
    const x = tf.tensor1d([1, 2]);
    expectThrows(
      () => ops.softmax(x, { temperature: 0 }),
      /ops\.softmax/,
      /'temperature'/,
      /finite number > 0/,
      /received 0/,
    );
    expectThrows(() => ops.softmax(x, { temperature: -1 }), /'temperature'/, /received -1/);
    expectThrows(() => ops.logSoftmax(x, { temperature: Number.NaN }), /ops\.logSoftmax/, /'temperature'/, /NaN/);
    expectThrows(() => ops.logSoftmax(x, { temperature: Infinity }), /'temperature'/, /Infinity/);
    expectThrows(() => ops.softmax(x, { axis: 1 }), /'axis'/, /\[-1, 0\]/, /received 1/);
    expectThrows(() => ops.softmax(tf.scalar(1)), /'logits'/, /rank >= 1/, /shape \[\]/);
    expectThrows(() => ops.softmax(tf.tensor1d([true, false], 'bool')), /'logits'/, /float32/, /bool/);
    expectThrows(() => ops.softmax(x, { temprature: 2 } as never), /'options'/, /unknown key 'temprature'/);
    expectThrows(() => ops.softmax([1, 2] as never), /'logits'/, /tf\.Tensor/);
  });
});

spec('ops.l2Normalize', 'unit norm, zero vector finite with finite gradient', async (ctx) => {
  await scope(async () => {
    const v = uniform(7, 12, -5, 5);
    await expectClose(
      ops.l2Normalize(tf.tensor2d(v, [3, 4])),
      rowwise(v, 4, (r) => l2Normalize64(r)),
      valueTol(ctx),
      'rows',
    );
    const z = tf.zeros([2, 3]);
    await expectClose(ops.l2Normalize(z), [0, 0, 0, 0, 0, 0], valueTol(ctx), 'zero rows');
    const g = tf.grad((t: tf.Tensor) => tf.sum(ops.l2Normalize(t)))(z);
    await expectAllFinite(g, 'gradient at the zero vector');
  });
  const x = uniform(8, 12, -2, 2);
  await checkGradients(
    ctx,
    'l2Normalize',
    (t) => ops.l2Normalize(t),
    (v) => rowwise(v, 4, (row) => l2Normalize64(row)),
    [{ values: x, shape: [3, 4] }],
    uniform(9, 12),
  );
  await checkGradients(
    ctx,
    'l2Normalize axis 0',
    (t) => ops.l2Normalize(t, { axis: 0 }),
    (v) => transpose(transpose(reshape(v, 3, 4)).map((c) => l2Normalize64(c))).flat(),
    [{ values: x, shape: [3, 4] }],
    uniform(10, 12),
  );
});

spec('ops.cosineSimilarity', 'pairwise cosines of rows', async (ctx) => {
  await scope(async () => {
    const a = uniform(11, 3 * 4);
    const b = uniform(12, 2 * 4);
    const an = reshape(a, 3, 4).map((r) => l2Normalize64(r));
    const bn = reshape(b, 2, 4).map((r) => l2Normalize64(r));
    await expectClose(
      ops.cosineSimilarity(tf.tensor2d(a, [3, 4]), tf.tensor2d(b, [2, 4])),
      matMul64(an, transpose(bn)).flat(),
      valueTol(ctx),
      'cosines',
    );
    expectThrows(() => ops.cosineSimilarity(tf.zeros([2, 3]), tf.zeros([2, 4])), /'b'/, /\[M, 3\]/, /\[2, 4\]/);
    expectThrows(() => ops.cosineSimilarity(tf.zeros([3]), tf.zeros([2, 3])), /'a'/, /rank-2/);
  });
});

for (const [normalizeInputs, normalizeWeights] of [
  [true, true],
  [false, true],
  [true, false],
] as const) {
  spec(
    'ops.normalizedLinear',
    `forward and gradient (inputs ${normalizeInputs}, weights ${normalizeWeights})`,
    async (ctx) => {
      const x = uniform(20, 3 * 4, -2, 2);
      const w = uniform(21, 4 * 5, -1, 1);
      const ref = (xv: number[], wv: number[]) =>
        normalizedLinear64(reshape(xv, 3, 4), reshape(wv, 4, 5), normalizeInputs, normalizeWeights, 3).flat();
      await scope(async () => {
        const out = ops.normalizedLinear(tf.tensor2d(x, [3, 4]), tf.tensor2d(w, [4, 5]), {
          normalizeInputs,
          normalizeWeights,
          scale: 3,
        });
        await expectClose(out, ref(x, w), valueTol(ctx), 'logits');
      });
      await checkGradients(
        ctx,
        'normalizedLinear',
        (a, b) => ops.normalizedLinear(a, b, { normalizeInputs, normalizeWeights, scale: 3 }),
        ref,
        [
          { values: x, shape: [3, 4] },
          { values: w, shape: [4, 5] },
        ],
        uniform(22, 15),
      );
    },
  );
}

spec('ops.normalizedLinear', 'gradient of a learnable scale tensor', async (ctx) => {
  const x = uniform(23, 2 * 3);
  const w = uniform(24, 3 * 4);
  await checkGradients(
    ctx,
    'scale',
    (a, b, s) => ops.normalizedLinear(a, b, { scale: s as tf.Scalar }),
    (xv, wv, sv) => normalizedLinear64(reshape(xv, 2, 3), reshape(wv, 3, 4), true, true, sv[0]!).flat(),
    [
      { values: x, shape: [2, 3] },
      { values: w, shape: [3, 4] },
      { values: [2.5], shape: [] },
    ],
    uniform(25, 8),
  );
});

spec(
  'ops.margins',
  "multiplicativeAngularMargin: ψ and ψ' at c = −1 are the limits from inside (1 − 2m, m²)",
  async (ctx) => {
    // θ = π closes the last interval k = m − 1; counting it as k = m flipped the sign of ψ' there
    // (reached on half floats, where a near-opposite embedding's cosine rounds to exactly −1).
    for (const m of [2, 3, 4]) {
      await scope(async () => {
        const t = ops.margins.multiplicativeAngularMargin(m).apply(tf.tensor1d([-1, -0.99999]), 'exact');
        // ψ = (−1)^(m−1) T_m(c) − 2(m − 1) → 1 − 2m and ψ' = (−1)^(m−1) m U_(m−1)(c) → m² as c → −1.
        const limit = m * m;
        await expectClose(t.derivative!, [limit, limit], { rtol: 1e-3, atol: ctx.tol.atol }, `m = ${m}: ψ'`);
        await expectClose(t.value, [-2 * m + 1, -2 * m + 1], { rtol: 1e-3, atol: 1e-3 }, `m = ${m}: ψ`);
      });
    }
  },
);
