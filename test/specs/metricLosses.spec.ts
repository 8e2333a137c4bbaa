import * as tf from '@tensorflow/tfjs';
import { data, layers, losses, miners } from 'tfjs-margin';
import { assert, expectClose, scope, values } from '../harness/assert';
import { NODE_BACKENDS, spec, type SpecContext } from '../harness/registry';
import { roundTrip } from '../harness/models';
import golden from '../golden/metricLosses.json';

interface GoldenCase {
  name: string;
  loss: string;
  options: Record<string, unknown>;
  shape: [number, number];
  embeddings: number[];
  labels: number[];
  lossValue: number;
  gradEmbeddings: number[];
  proxies?: number[];
  gradProxies?: number[];
  centers?: number[];
  gradCenters?: number[];
}
const CASES = golden.cases as unknown as GoldenCase[];

type Factory = (options: never) => losses.LossFunction;
const FACTORIES: Record<string, Factory> = {
  tripletMarginLoss: losses.tripletMarginLoss as Factory,
  multiSimilarityLoss: losses.multiSimilarityLoss as Factory,
  supervisedContrastiveLoss: losses.supervisedContrastiveLoss as Factory,
  ntXentLoss: losses.ntXentLoss as Factory,
  contrastiveLoss: losses.contrastiveLoss as Factory,
};

/**
 * PML parity: on float32 backends values within 1e-4 and gradients within 2e-4, relative to the
 * case's largest magnitude (at least 1), against float64; elsewhere the backend's own tolerances.
 */
function parityTol(ctx: SpecContext, kind: 'value' | 'grad', expected: number[]): { rtol: number; atol: number } {
  const exact = ['cpu', 'wasm', 'tensorflow'].includes(ctx.backend);
  const rel = exact ? (kind === 'value' ? 1e-4 : 2e-4) : kind === 'value' ? ctx.tol.rtol * 5 : ctx.tol.gradRtol;
  return { rtol: 0, atol: rel * Math.max(1, ...expected.map(Math.abs)) };
}

/** The golden file's losses in its canonical form: the wire names PML's classes map to. */
const FAMILIES = [
  'tripletMarginLoss',
  'multiSimilarityLoss',
  'supervisedContrastiveLoss',
  'ntXentLoss',
  'contrastiveLoss',
] as const;

for (const family of FAMILIES) {
  const cases = CASES.filter((c) => c.loss === family);
  spec(
    'metric losses',
    `${family}: ${cases.length} golden cases from pytorch-metric-learning 2.9 (loss and gradient)`,
    async (ctx) => {
      assert(cases.length >= 10, `only ${cases.length} golden cases`);
      for (const c of cases) {
        await scope(async () => {
          const loss = FACTORIES[family]!(c.options as never);
          const x = tf.tensor2d(c.embeddings, c.shape);
          const y = tf.tensor1d(c.labels, 'int32');
          const value = tf.mean(loss(y, x));
          const grad = tf.grad((e: tf.Tensor) => tf.mean(loss(y, e)))(x);
          const expected = c.lossValue;
          await expectClose(value, expected, parityTol(ctx, 'value', [expected]), `${c.name}: loss`);
          await expectClose(grad, c.gradEmbeddings, parityTol(ctx, 'grad', c.gradEmbeddings), `${c.name}: gradient`);
        });
      }
    },
  );
}

/** The loss layers' golden cases: how to build each and where its weight and weight gradient are. */
const LOSS_LAYERS = {
  proxyAnchor: {
    title: 'ProxyAnchor',
    minCases: 5,
    make: (o: Record<string, number>, d: number) => ({
      head: layers.proxyAnchor(o as unknown as layers.ProxyAnchorArgs),
      shape: [o['numClasses']!, d],
    }),
    weight: (c: GoldenCase) => [c.proxies!, c.gradProxies!] as const,
  },
  softTriple: {
    title: 'SoftTriple',
    minCases: 4,
    make: (o: Record<string, number>, d: number) => ({
      head: layers.softTriple(o as unknown as layers.SoftTripleArgs),
      shape: [d, o['numClasses']! * o['centersPerClass']!],
    }),
    weight: (c: GoldenCase) => [c.centers!, c.gradCenters!] as const,
  },
};

for (const [kind, layer] of Object.entries(LOSS_LAYERS)) {
  spec(
    'metric losses',
    `${layer.title}: golden cases from pytorch-metric-learning 2.9 (loss, both gradients)`,
    async (ctx) => {
      const cases = CASES.filter((c) => c.loss === kind);
      assert(cases.length >= layer.minCases, `only ${cases.length} golden cases`);
      for (const c of cases) {
        await scope(async () => {
          const [n, d] = c.shape;
          const { head, shape } = layer.make(c.options as Record<string, number>, d);
          const [weight, gradWeight] = layer.weight(c);
          head.build([
            [null, d],
            [null, 1],
          ]);
          head.setWeights([tf.tensor2d(weight, shape as [number, number])]);
          const x = tf.tensor2d(c.embeddings, [n, d]);
          const y = tf.tensor2d(c.labels, [n, 1]);
          const w = head.trainableWeights[0]!.read() as tf.Variable;
          const f = (e: tf.Tensor) => tf.mean(head.apply([e, y]) as tf.Tensor);
          const expected = c.lossValue;
          await expectClose(f(x), expected, parityTol(ctx, 'value', [expected]), `${c.name}: loss`);
          await expectClose(
            tf.grad(f)(x),
            c.gradEmbeddings,
            parityTol(ctx, 'grad', c.gradEmbeddings),
            `${c.name}: dL/dx`,
          );
          const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, [w]);
          await expectClose(grads[w.name]!, gradWeight, parityTol(ctx, 'grad', gradWeight), `${c.name}: dL/dW`);
          for (const v of head.weights) v.dispose();
        });
      }
    },
  );
}

/** Float64 reference of the triplet loss over all triplets (PML semantics), from an embedding array. */
function tripletAllReference(x: number[][], labels: number[], margin: number): number {
  const unit = x.map((r) => {
    const norm = Math.sqrt(r.reduce((a, v) => a + v * v, 0));
    return r.map((v) => v / norm);
  });
  const n = x.length;
  const d = unit.map((a) => unit.map((b) => Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0))));
  let total = 0;
  let count = 0;
  for (let a = 0; a < n; a++) {
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      for (let q = 0; q < n; q++) {
        if (labels[q] === labels[a]) continue;
        const v = d[a]![p]! - d[a]![q]! + margin;
        if (v > 0) {
          total += v;
          count++;
        }
      }
    }
  }
  return count > 0 ? total / count : 0;
}

/** `n` seeded points in [-1, 1]^d. */
function seededRows(n: number, d: number, seed: number): number[][] {
  let state = seed;
  const rand = () => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Array.from({ length: n }, () => Array.from({ length: d }, rand));
}

// A large batch at the default block budget: Node only (on SwiftShader's WebGPU, where labels are not
// read on the host, it is N³ = 27M elements in 2 blocks, two minutes of CI); the browsers run the
// blocked pass below on a small budget.
spec(
  'metric losses',
  'tripletMarginLoss over all triplets (N = 300) equals a float64 reference',
  async (ctx) => {
    const rows = seededRows(300, 6, 11);
    const labels = rows.map((_, i) => i % 17);
    const expected = tripletAllReference(rows, labels, 0.2);
    await scope(async () => {
      const loss = losses.tripletMarginLoss({ margin: 0.2 });
      const value = tf.mean(loss(tf.tensor1d(labels, 'int32'), tf.tensor2d(rows)));
      const rel = ctx.halfPrecision ? 2e-2 : 1e-4;
      await expectClose(value, expected, { rtol: rel, atol: rel }, 'triplet loss, N = 300');
    });
  },
  { backends: NODE_BACKENDS },
);

spec(
  'metric losses',
  'tripletMarginLoss in many anchor blocks (blockElements) equals one block and a float64 reference, value and gradient',
  async (ctx) => {
    const rows = seededRows(24, 6, 23);
    const labels = rows.map((_, i) => i % 5);
    const rel = ctx.halfPrecision ? 2e-2 : 1e-4;
    // 2000 elements: 2 blocks of 20 anchors with host labels (k = 4), 8 of 3 without (webgpu: k = N).
    for (const mining of ['all', 'semiHard'] as const) {
      await scope(async () => {
        const y = tf.tensor1d(labels, 'int32');
        const x = tf.tensor2d(rows);
        const one = losses.tripletMarginLoss({ margin: 0.2, mining });
        const many = losses.tripletMarginLoss({ margin: 0.2, mining, blockElements: 2000 });
        const f = (loss: losses.LossFunction) => (e: tf.Tensor) => tf.mean(loss(y, e));
        const expected = await values(f(one)(x));
        assert(expected[0]! > 0, `${mining}: the reference batch has no positive triplet`);
        const blocked = await values(f(many)(x));
        if (mining === 'all') {
          const reference = tripletAllReference(rows, labels, 0.2);
          await expectClose(blocked, reference, { rtol: rel, atol: rel }, 'blocked value against float64');
        }
        await expectClose(blocked, expected, { rtol: rel, atol: rel }, `${mining}: blocked value`);
        const g1 = await values(tf.grad(f(one))(x));
        await expectClose(tf.grad(f(many))(x), g1, { rtol: rel, atol: rel * 1e-2 }, `${mining}: blocked gradient`);
      });
    }
  },
);

spec('metric losses', 'a batch without valid pairs gives loss 0 and a zero gradient (not "no gradient")', async () => {
  await scope(async () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0.5, 0.5],
    ]);
    const distinct = tf.tensor1d([0, 1, 2], 'int32');
    const same = tf.tensor1d([4, 4, 4], 'int32');
    const all: Array<[string, losses.LossFunction, tf.Tensor]> = [
      ['triplet all', losses.tripletMarginLoss(), distinct],
      ['triplet batchHard', losses.tripletMarginLoss({ mining: 'batchHard' }), same],
      ['triplet semiHard', losses.tripletMarginLoss({ mining: 'semiHard' }), distinct],
      ['multi-similarity', losses.multiSimilarityLoss(), same],
      ['supcon', losses.supervisedContrastiveLoss(), distinct],
      ['nt-xent', losses.ntXentLoss(), same],
      ['contrastive', losses.contrastiveLoss(), tf.tensor1d([0, 1], 'int32')],
    ];
    for (const [name, loss, y] of all) {
      const input = y.shape[0] === 2 ? tf.slice(x, [0, 0], [2, 2]) : x;
      const value = tf.mean(loss(y, input));
      const grad = tf.grad((e: tf.Tensor) => tf.mean(loss(y, e)))(input);
      const v = await values(value);
      if (name !== 'contrastive') assert(v[0] === 0, `${name}: loss ${v[0]} on a batch without valid pairs`);
      const g = await values(grad);
      assert(g.length === input.size && g.every((u) => Number.isFinite(u)), `${name}: gradient ${g}`);
      if (name !== 'contrastive')
        assert(
          g.every((u) => u === 0),
          `${name}: nonzero gradient ${g}`,
        );
    }
  });
});

spec('metric losses', 'miners: batch-hard, semi-hard and multi-similarity picks, and their index tensors', async () => {
  await scope(async () => {
    const x = tf.tensor2d([
      [1, 0],
      [0.8, 0.6],
      [0, 1],
      [-1, 0],
    ]);
    const y = tf.tensor1d([0, 0, 1, 1], 'int32');
    const t = miners.batchHard(x, y);
    assert((await values(t.positives)).join() === '1,0,3,2', `batchHard positives ${await values(t.positives)}`);
    assert((await values(t.negatives)).join() === '2,2,1,1', `batchHard negatives ${await values(t.negatives)}`);
    assert((await values(t.valid)).join() === '1,1,1,1', 'batchHard valid');
    const mask = miners.semiHard(x, y, { margin: 0.8 });
    const triplets = await miners.tripletIndices(mask);
    const [as, ps, ns] = [
      await values(triplets.anchors),
      await values(triplets.positives),
      await values(triplets.negatives),
    ];
    const listed = as.map((a, k) => `${a}${ps[k]}${ns[k]}`);
    assert(listed.join() === '012,102,320,321', `semiHard triplets ${listed}`);
    const pairs = miners.multiSimilarity(
      tf.tensor2d([
        [1, 0],
        [0.6, 0.8],
        [0.8, 0.6],
        [-1, 0],
      ]),
      y,
    );
    const positives = await miners.pairIndices(pairs.positive);
    assert((await values(positives.anchors)).join() === '0,1,2,3', 'multiSimilarity positive anchors');
    assert((await values(positives.others)).join() === '1,0,3,2', 'multiSimilarity positive partners');
  });
});

spec(
  'metric losses',
  'every loss trains an embedding with model.fit on m-per-class batches of real digits; memory flat',
  async (ctx) => {
    const { train } = ctx.digits;
    const n = Math.min(train.count, 160);
    // m-per-class batches of 40 (10 digits × 4), laid out in order so fit's batches are the sampler's.
    const sampler = data.classBalancedSampler(Array.from(train.labels.slice(0, n)), {
      samplesPerClass: 4,
      classesPerBatch: 10,
      batchesPerEpoch: 4,
      seed: 3,
    });
    const order = tf.tensor1d(
      [...sampler.epoch()].flatMap((b) => Array.from(b)),
      'int32',
    );
    const xs = tf.tidy(() => tf.gather(tf.tensor2d(train.images.slice(0, n * 784), [n, 784]), order));
    const ys = tf.tidy(() => tf.gather(tf.tensor1d(train.labels.slice(0, n), 'int32'), order));
    const all: Array<[string, losses.LossFunction]> = [
      ['triplet batchHard', losses.tripletMarginLoss({ margin: 0.2, mining: 'batchHard' })],
      ['triplet semiHard', losses.tripletMarginLoss({ margin: 0.2, mining: 'semiHard' })],
      ['multi-similarity', losses.multiSimilarityLoss()],
      ['supcon', losses.supervisedContrastiveLoss()],
      ['nt-xent', losses.ntXentLoss({ temperature: 0.2 })],
      ['contrastive', losses.contrastiveLoss({ negMargin: 1 })],
    ];
    try {
      for (const [name, loss] of all) {
        const model = tf.sequential({
          layers: [
            tf.layers.dense({
              units: 32,
              inputShape: [784],
              activation: 'relu',
              kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
            }),
            tf.layers.dense({ units: 16, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
          ],
        });
        const optimizer = tf.train.adam(3e-3);
        model.compile({ optimizer, loss });
        const counts: number[] = [];
        const history = await model.fit(xs, ys, {
          epochs: 3,
          batchSize: 40,
          shuffle: false,
          verbose: 0,
          callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
        });
        const curve = history.history['loss'] as number[];
        assert(curve.every(Number.isFinite), `${name}: loss curve ${curve}`);
        assert(curve[curve.length - 1]! < curve[0]!, `${name}: loss did not fall: ${curve.map((v) => v.toFixed(4))}`);
        assert(new Set(counts).size === 1, `${name}: numTensors not flat across epochs: ${counts.join(', ')}`);
        model.dispose();
        optimizer.dispose();
      }
    } finally {
      tf.dispose([xs, ys, order]);
    }
  },
  // It asserts numTensors flat across epochs itself; a second run would only double its time.
  { leakCheck: false },
);

for (const kind of ['ProxyAnchor', 'SoftTriple'] as const) {
  spec('metric losses', `${kind} trains with model.fit, saves, loads and outputs the same values`, async (ctx) => {
    const { train } = ctx.digits;
    const n = 120;
    await scope(async () => {
      const x = tf.input({ shape: [784] });
      const y = tf.input({ shape: [1] });
      const e = tf.layers.dense({ units: 16, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(x);
      const head =
        kind === 'ProxyAnchor'
          ? layers.proxyAnchor({ numClasses: 10, seed: 9 })
          : layers.softTriple({ numClasses: 10, centersPerClass: 3, seed: 9 });
      const model = tf.model({ inputs: [x, y], outputs: head.apply([e as tf.SymbolicTensor, y]) as tf.SymbolicTensor });
      const optimizer = tf.train.adam(1e-2);
      model.compile({ optimizer, loss: losses.precomputedLoss });
      const images = tf.tensor2d(train.images.slice(0, n * 784), [n, 784]);
      const labels = tf.tensor2d(Array.from(train.labels.slice(0, n)), [n, 1]);
      const history = await model.fit([images, labels], labels, { epochs: 5, batchSize: 60, verbose: 0 });
      const curve = history.history['loss'] as number[];
      assert(curve[curve.length - 1]! < curve[0]!, `loss did not fall: ${curve}`);
      const { loaded } = await roundTrip(model);
      const loss1 = model.predict([images, labels]) as tf.Tensor;
      const loss2 = loaded.predict([images, labels]) as tf.Tensor;
      await expectClose(loss2, loss1, { rtol: ctx.tol.rtol, atol: ctx.tol.atol }, 'loaded model loss');
      const restored = loaded.layers.find((l) => l.getClassName() === head.getClassName())!;
      assert(
        JSON.stringify(restored.getConfig()) === JSON.stringify({ ...head.getConfig(), name: restored.name }),
        `config round trip: ${JSON.stringify(restored.getConfig())}`,
      );
      await expectClose(restored.getWeights()[0]!, head.getWeights()[0]!, { rtol: 0, atol: 0 }, 'weights round trip');
      model.dispose();
      loaded.dispose();
      optimizer.dispose();
    });
  });
}
