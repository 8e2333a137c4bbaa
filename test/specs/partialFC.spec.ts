import * as tf from '@tensorflow/tfjs';
import { layers, losses, ops } from 'tfjs-margin';
import { assert, expectClose, values } from '../harness/assert';
import { spec, type SpecContext } from '../harness/registry';
import { randomLabels, uniform } from '../harness/random';
import { roundTrip } from '../harness/models';

const M = { m1: 1, m2: 0.4, m3: 0.1 };

type Store = NonNullable<layers.PartialFCArgs['centerStore']>;

/** The center stores a backend offers: 'tensor' everywhere, 'host' wherever reads are synchronous, 'tensorflow' on tfjs-node. */
function storesOn(backend: string): Exclude<Store, 'auto'>[] {
  if (backend === 'webgpu') return ['tensor'];
  return backend === 'tensorflow' ? ['tensor', 'host', 'tensorflow'] : ['tensor', 'host'];
}

/** What 'auto' resolves to. */
function autoStore(backend: string): Exclude<Store, 'auto'> {
  if (backend === 'tensorflow') return 'tensorflow';
  return backend === 'webgpu' ? 'tensor' : 'host';
}
const SCALE = 8;

/** The `[C, D]` centers of a Partial FC layer (getWeights lists trainable weights first). */
function centersOf(head: layers.PartialFC): tf.Tensor {
  return head.weights.find((w) => /centres(_\d+)?$/.test(w.name))!.read();
}

/** A model that is just the Partial FC loss on fixed embeddings (one trainable scalar: its tap). */
function lossModel(args: Partial<layers.PartialFCArgs> & { numClasses: number }, d: number) {
  const x = tf.input({ shape: [d] });
  const y = tf.input({ shape: [1] });
  const head = layers.partialFC({ ...M, scale: SCALE, seed: 5, ...args });
  const model = tf.model({ inputs: [x, y], outputs: head.apply([x, y]) as tf.SymbolicTensor });
  const optimizer = tf.train.sgd(0);
  model.compile({ optimizer, loss: losses.precomputedLoss });
  return { model, head, optimizer };
}

/** Mean combined-margin cross-entropy and its gradient w.r.t. a [D, C] kernel, through the public op. */
function fullReference(x: tf.Tensor2D, labels: number[], kernel: tf.Tensor2D, c: number) {
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as tf.Tensor2D;
    const options = {
      margin: ops.margins.combinedAngularMargin(M.m1, M.m2, M.m3),
      scale: SCALE,
      normalizeInputs: true,
      normalizeWeights: true,
      subCenters: 1,
      gradient: 'exact' as const,
    };
    const perSample = (k: tf.Tensor2D) =>
      losses.softmaxCrossEntropy(targets, ops.marginLogits(x, k, targets, null, options));
    const grad = tf.grad((k: tf.Tensor) => tf.mean(perSample(k as tf.Tensor2D)))(kernel);
    return { perSample: perSample(kernel), grad };
  });
}

spec(
  'partialFC',
  'sampleRate 1 is the combined-margin softmax loss, and its centers take SGD-momentum steps with the exact gradient, in every center store',
  async (ctx) => {
    for (const centerStore of storesOn(ctx.backend)) await exactSteps(ctx, centerStore);
  },
);

async function exactSteps(ctx: SpecContext, centerStore: Store): Promise<void> {
  {
    const n = 6;
    const d = 5;
    const c = 7;
    const lr = 0.5;
    const momentum = 0.9;
    const weightDecay = 0.01;
    const x = tf.tensor2d(uniform(11, n * d), [n, d]);
    const labels = randomLabels(12, n, c);
    const y = tf.tensor2d(labels, [n, 1]);
    const { model, head, optimizer } = lossModel(
      { numClasses: c, sampleRate: 1, learningRate: lr, momentum, weightDecay, centerStore },
      d,
    );
    const w0 = centersOf(head).clone() as tf.Tensor2D; // [C, D]
    const ref0 = tf.tidy(() => fullReference(x, labels, tf.transpose(w0) as tf.Tensor2D, c));
    const predicted = tf.tidy(() => tf.reshape(model.predict([x, y]) as tf.Tensor, [n]));
    assert(head.centerStoreKind === centerStore, `store ${head.centerStoreKind}, asked ${centerStore}`);
    await expectClose(predicted, ref0.perSample, ctx.tol, `${centerStore}: per-sample loss`);
    predicted.dispose();
    // Two steps: the second checks the momentum buffer.
    await model.fit([x, y], y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    const g1 = tf.tidy(() => tf.add(tf.transpose(ref0.grad), tf.mul(w0, weightDecay)));
    const w1 = tf.tidy(() => tf.sub(w0, tf.mul(g1, lr)));
    await expectClose(
      centersOf(head),
      w1,
      { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol },
      `${centerStore}: centers after step 1`,
    );
    const ref1 = tf.tidy(() => fullReference(x, labels, tf.transpose(w1) as tf.Tensor2D, c));
    await model.fit([x, y], y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    const w2 = tf.tidy(() => {
      const v2 = tf.add(tf.mul(g1, momentum), tf.add(tf.transpose(ref1.grad), tf.mul(w1, weightDecay)));
      return tf.sub(w1, tf.mul(v2, lr));
    });
    await expectClose(
      centersOf(head),
      w2,
      { rtol: ctx.tol.gradRtol, atol: 3 * ctx.tol.gradAtol },
      `${centerStore}: centers after step 2`,
    );
    const tap = await values(head.weights.find((v) => v.name.endsWith('update_tap'))!.read());
    assert(tap[0] === 0, `update_tap moved to ${tap[0]}`);
    tf.dispose([x, y, w0, w1, w2, g1, ref0.perSample, ref0.grad, ref1.perSample, ref1.grad]);
    model.dispose();
    optimizer.dispose();
  }
}

spec('partialFC', 'sampling: a step touches exactly S centers, every class of the batch among them', async (ctx) => {
  const n = 4;
  const d = 3;
  const c = 20;
  const x = tf.tensor2d(uniform(21, n * d), [n, d]);
  const labels = [3, 17, 3, 9];
  const y = tf.tensor2d(labels, [n, 1]);
  const { model, head, optimizer } = lossModel(
    { numClasses: c, sampleRate: 0.3, learningRate: 0.1, momentum: 0, weightDecay: 0.05 },
    d,
  );
  assert(head.sampleSize(n) === 6, `sample size ${head.sampleSize(n)}`);
  const before = await values(centersOf(head));
  // Sampled-class loss never exceeds the full softmax loss over the same centers (smaller partition).
  const predicted = model.predict([x, y]) as tf.Tensor;
  const partial = await values(predicted);
  predicted.dispose();
  const full = tf.tidy(() => fullReference(x, labels, tf.transpose(centersOf(head)) as tf.Tensor2D, c));
  const fullValues = await values(full.perSample);
  partial.forEach((v, i) =>
    assert(v <= fullValues[i]! + 1e-3 && Number.isFinite(v), `sample ${i}: partial ${v} > full ${fullValues[i]}`),
  );
  await model.fit([x, y], y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  const after = await values(centersOf(head));
  const changed = new Set<number>();
  // Half-float storage re-rounds every value the scatter writes; count a change beyond that rounding.
  const slack = (v: number) => (ctx.halfPrecision ? 2e-3 * Math.abs(v) + 1e-4 : 0);
  for (let i = 0; i < before.length; i++) {
    if (Math.abs(before[i]! - after[i]!) > slack(before[i]!)) changed.add(Math.floor(i / d));
  }
  assert(changed.size === 6, `${changed.size} centers changed, expected 6: ${[...changed]}`);
  for (const l of labels) assert(changed.has(l), `class ${l} of the batch was not updated`);
  tf.dispose([x, y, full.perSample, full.grad]);
  model.dispose();
  optimizer.dispose();
});

spec(
  'partialFC',
  'sampleRate 0.2 trains to the accuracy of the full softmax on 100 classes, memory flat',
  async (ctx) => {
    const c = 100;
    const d = 16;
    const perClass = 8;
    const centers = uniform(31, c * d, -1, 1);
    const xs: number[] = [];
    const ys: number[] = [];
    const noise = uniform(32, c * perClass * d, -0.35, 0.35);
    for (let k = 0; k < c * perClass; k++) {
      const cls = k % c;
      for (let j = 0; j < d; j++) xs.push(centers[cls * d + j]! + noise[k * d + j]!);
      ys.push(cls);
    }
    const x = tf.tensor2d(xs, [c * perClass, d]);
    const y = tf.tensor2d(ys, [c * perClass, 1]);
    const accuracy = async (rate: number) => {
      const input = tf.input({ shape: [d] });
      const label = tf.input({ shape: [1] });
      const emb = tf.layers
        .dense({ units: d, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
        .apply(input) as tf.SymbolicTensor;
      const head = layers.partialFC({
        numClasses: c,
        sampleRate: rate,
        m2: 0.2,
        scale: 16,
        learningRate: 0.5,
        seed: 4,
      });
      const model = tf.model({ inputs: [input, label], outputs: head.apply([emb, label]) as tf.SymbolicTensor });
      const optimizer = tf.train.adam(0.01);
      model.compile({ optimizer, loss: losses.precomputedLoss });
      const counts: number[] = [];
      await model.fit([x, y], y, {
        epochs: 6,
        batchSize: 32,
        verbose: 0,
        callbacks: new tf.CustomCallback({ onEpochEnd: async () => void counts.push(tf.memory().numTensors) }),
      });
      assert(
        counts.slice(1).every((v) => v === counts[1]),
        `numTensors not flat: ${counts.join(', ')}`,
      );
      const embedder = tf.model({ inputs: input, outputs: emb });
      const predicted = tf.tidy(() => (head.apply(embedder.predict(x) as tf.Tensor) as tf.Tensor).argMax(-1));
      const p = await predicted.data();
      predicted.dispose();
      model.dispose();
      optimizer.dispose();
      return Array.from(p).reduce((a: number, v, i) => a + (v === ys[i] ? 1 : 0), 0) / ys.length;
    };
    const full = await accuracy(1);
    const partial = await accuracy(0.2);
    assert(full >= 0.9, `full softmax accuracy ${full}`);
    assert(Math.abs(partial - full) <= 0.05, `Partial FC accuracy ${partial} vs full ${full} (${ctx.backend})`);
    tf.dispose([x, y]);
  },
);

spec(
  'partialFC',
  "ops.marginLogits kernelLayout 'rows' equals the column layout, value and both gradients",
  async (ctx) => {
    const n = 5;
    const d = 4;
    const c = 6;
    const x = tf.tensor2d(uniform(41, n * d), [n, d]);
    const w = tf.tensor2d(uniform(42, d * c), [d, c]);
    const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(randomLabels(43, n, c), 'int32'), c).toFloat() as tf.Tensor2D);
    const r = tf.tensor2d(uniform(44, n * c), [n, c]);
    const base = {
      margin: ops.margins.combinedAngularMargin(1, 0.3, 0.1),
      scale: 8,
      normalizeInputs: true,
      normalizeWeights: true,
      subCenters: 1,
      gradient: 'exact' as const,
    };
    const run = (layout: 'columns' | 'rows') =>
      tf.tidy(() => {
        const kernel = layout === 'rows' ? tf.transpose(w) : w;
        const f = (a: tf.Tensor, k: tf.Tensor) =>
          tf.sum(
            tf.mul(
              ops.marginLogits(a as tf.Tensor2D, k as tf.Tensor2D, targets, null, { ...base, kernelLayout: layout }),
              r,
            ),
          );
        const [gx, gk] = tf.grads(f)([x, kernel]);
        const value = ops.marginLogits(x, kernel as tf.Tensor2D, targets, null, { ...base, kernelLayout: layout });
        return [value, gx!, layout === 'rows' ? tf.transpose(gk!) : gk!];
      });
    const [v1, gx1, gw1] = run('columns');
    const [v2, gx2, gw2] = run('rows');
    const gtol = { rtol: ctx.tol.gradRtol, atol: ctx.tol.gradAtol };
    await expectClose(v2!, v1!, ctx.tol, 'logits');
    await expectClose(gx2!, gx1!, gtol, 'd/dx');
    await expectClose(gw2!, gw1!, gtol, 'd/dW');
    tf.dispose([x, w, targets, r, v1!, gx1!, gw1!, v2!, gx2!, gw2!]);
  },
);

/** Heads whose margin Partial FC can use, each made twice with the same seed (the same draws). */
const STRATEGIES: [string, (c: number) => layers.MarginSoftmaxHead][] = [
  ['cosFace', (c) => layers.cosFace({ numClasses: c, scale: 8 })],
  ['arcFace', (c) => layers.arcFace({ numClasses: c, scale: 8 })],
  ['curricularFace', (c) => layers.curricularFace({ numClasses: c, scale: 8, momentum: 0.5 })],
  ['adaFace', (c) => layers.adaFace({ numClasses: c, scale: 8, tAlpha: 0.5 })],
  ['magFace', (c) => layers.magFace({ numClasses: c, scale: 8, lowerNorm: 0.2, upperNorm: 5, lambdaG: 2 })],
  ['elasticFace', (c) => layers.elasticFace({ numClasses: c, scale: 8, seed: 4 })],
  ['adaCos', (c) => layers.adaCos({ numClasses: c })],
  ['circleHead', (c) => layers.circleHead({ numClasses: c, gamma: 8 })],
];

spec(
  'partialFC',
  "any normalized head's margin: at sampleRate 1 the loss and state are the head's own, over two training calls",
  async (ctx) => {
    const n = 6;
    const d = 5;
    const c = 7;
    const x = tf.tensor2d(uniform(21, n * d, -2, 2), [n, d]);
    const labels = randomLabels(22, n, c);
    const y = tf.tensor1d(labels, 'int32');
    const targets = tf.tidy(() => tf.oneHot(y, c).toFloat());
    for (const [name, make] of STRATEGIES) {
      const pfc = layers.partialFC({ numClasses: c, sampleRate: 1, margin: make(c), seed: 6 });
      const own = make(c);
      tf.tidy(() => {
        pfc.apply([x, y]);
        own.apply([x, y]);
        own.weights[0]!.write(tf.transpose(centersOf(pfc)));
      });
      for (let call = 1; call <= 2; call++) {
        const [actual, expected] = tf.tidy(() => {
          const loss = tf.reshape(pfc.apply([x, y], { training: true }) as tf.Tensor, [n]);
          const logits = own.apply([x, y], { training: true }) as tf.Tensor;
          const extra = own.sampleRegularizer(x);
          const ce = losses.softmaxCrossEntropy(targets, logits);
          return [loss, extra === null ? ce : tf.add(ce, extra)];
        });
        const tol = { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol * 100 };
        await expectClose(actual!, await values(expected!), tol, `${name}: loss, call ${call}`);
        tf.dispose([actual!, expected!]);
        const state = (l: tf.layers.Layer) =>
          Object.fromEntries(
            l.weights
              .filter((w) => !w.trainable && !w.name.endsWith('centres'))
              .map((w) => [w.name.split('/').pop()!.replace(/_\d+$/, ''), w.read()]),
          );
        const [ours, theirs] = [state(pfc), state(own)];
        assert(
          JSON.stringify(Object.keys(ours).sort()) === JSON.stringify(Object.keys(theirs).sort()),
          `${name}: state weights ${Object.keys(ours).join(', ')} vs ${Object.keys(theirs).join(', ')}`,
        );
        for (const key of Object.keys(ours)) {
          await expectClose(
            ours[key]!,
            await values(theirs[key]!),
            { rtol: ctx.tol.rtol * 10, atol: ctx.tol.atol },
            `${name}: ${key}, call ${call}`,
          );
        }
      }
      pfc.dispose();
      own.dispose();
    }
    tf.dispose([x, y, targets]);
  },
);

spec('partialFC', "a head's margin and state are saved and restored with the model", async () => {
  const d = 4;
  const c = 5;
  const input = tf.input({ shape: [d] });
  const label = tf.input({ shape: [1] });
  const head = layers.partialFC({ numClasses: c, sampleRate: 1, margin: layers.adaFace({ numClasses: c, scale: 16 }) });
  const model = tf.model({ inputs: [input, label], outputs: head.apply([input, label]) as tf.SymbolicTensor });
  const xs = tf.tensor2d(uniform(31, 6 * d), [6, d]);
  const ys = tf.tensor2d([0, 1, 2, 3, 4, 0], [6, 1]);
  tf.dispose(head.apply([xs, ys], { training: true }) as tf.Tensor);
  const { loaded } = await roundTrip(model);
  const restored = loaded.layers.find((l) => l instanceof layers.PartialFC) as layers.PartialFC;
  assert(restored.marginHead instanceof layers.AdaFace, 'the margin head is rebuilt on load');
  assert(restored.marginHead.scale === 16, 'with its config');
  const stat = (l: tf.layers.Layer) =>
    l.weights
      .find((w) => /batch_mean(_\d+)?$/.test(w.name))! // loaded names get a "_1" suffix
      .read()
      .dataSync()[0];
  assert(stat(restored) === stat(head) && stat(head) !== 20, `batch_mean restored: ${stat(restored)} vs ${stat(head)}`);
  tf.dispose([xs, ys]);
  model.dispose();
  loaded.dispose();
});

/** Trains a small Partial FC for three steps (sampling, momentum, weight decay) and returns its centers and losses after each. */
async function threeSteps(centerStore: Store) {
  const n = 6;
  const d = 4;
  const c = 20;
  const x = tf.tensor2d(uniform(51, n * d, -2, 2), [n, d]);
  const y = tf.tensor2d([3, 17, 3, 9, 0, 19], [n, 1]);
  const { model, head, optimizer } = lossModel(
    { numClasses: c, sampleRate: 0.3, learningRate: 0.5, momentum: 0.9, weightDecay: 0.01, centerStore },
    d,
  );
  const centers: number[][] = [await values(centersOf(head))];
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < 3; step++) {
    const h = await model.fit([x, y], y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    losses.push(h.history['loss']![0] as number);
    centers.push(await values(centersOf(head)));
    counts.push(tf.memory().numTensors);
  }
  const kind = head.centerStoreKind;
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  return { centers, losses, counts, kind };
}

spec(
  'partialFC',
  "every center store gives the 'tensor' store's numbers (sampling, momentum, weight decay), runs repeat under a seed, memory flat",
  async (ctx) => {
    const reference = await threeSteps('tensor');
    const again = await threeSteps('tensor');
    reference.centers.forEach((w, i) =>
      assert(
        w.every((v, j) => v === again.centers[i]![j]),
        `the same seed gave different centers after step ${i}`,
      ),
    );
    const stepsDiffer = reference.centers[3]!.some((v, j) => v !== reference.centers[0]![j]);
    assert(stepsDiffer, 'the centers never moved');
    for (const store of storesOn(ctx.backend)) {
      const run = await threeSteps(store);
      assert(run.kind === store, `store ${run.kind}, asked ${store}`);
      assert(
        run.counts.every((v) => v === run.counts[0]),
        `${store}: numTensors not flat over steps: ${run.counts.join(', ')}`,
      );
      for (let i = 0; i < run.centers.length; i++) {
        await expectClose(
          run.centers[i]!,
          reference.centers[i]!,
          { rtol: ctx.tol.gradRtol, atol: 3 * ctx.tol.gradAtol },
          `${store}: centers after step ${i}`,
        );
      }
      run.losses.forEach((l, i) =>
        assert(
          Math.abs(l - reference.losses[i]!) <= ctx.tol.gradRtol * Math.abs(l) + ctx.tol.gradAtol * 10,
          `${store}: loss of step ${i} ${l} vs ${reference.losses[i]}`,
        ),
      );
    }
    const auto = await threeSteps('auto');
    // Fails loudly if tfjs-node's TensorFlow store (or the host store) silently stops being used.
    assert(auto.kind === autoStore(ctx.backend), `'auto' resolved to ${auto.kind} on ${ctx.backend}`);
    for (const store of ['host', 'tensorflow'] as const) {
      if (storesOn(ctx.backend).includes(store)) continue;
      let message = '';
      try {
        tf.tidy(() => void layers.partialFC({ numClasses: 4, centerStore: store }).apply(tf.zeros([2, 3])));
      } catch (error) {
        message = (error as Error).message;
      }
      assert(message.includes('centerStore'), `centerStore '${store}' on ${ctx.backend}: ${message || 'no error'}`);
    }
  },
);

spec(
  'partialFC',
  'the centers are saved and restored with the model, and read and written by row ranges',
  async (ctx) => {
    const d = 3;
    const c = 12;
    const input = tf.input({ shape: [d] });
    const label = tf.input({ shape: [1] });
    const head = layers.partialFC({ numClasses: c, sampleRate: 0.5, seed: 8 });
    const model = tf.model({ inputs: [input, label], outputs: head.apply([input, label]) as tf.SymbolicTensor });
    const optimizer = tf.train.sgd(0.1);
    model.compile({ optimizer, loss: losses.precomputedLoss });
    const xs = tf.tensor2d(uniform(61, 6 * d), [6, d]);
    const ys = tf.tensor2d([0, 1, 2, 3, 11, 0], [6, 1]);
    await model.fit([xs, ys], ys, { epochs: 2, batchSize: 6, verbose: 0 });
    const trained = await values(centersOf(head));
    const { loaded } = await roundTrip(model);
    const restored = loaded.layers.find((l) => l instanceof layers.PartialFC) as layers.PartialFC;
    assert(restored.centerStoreKind === autoStore(ctx.backend), `restored store ${restored.centerStoreKind}`);
    const back = await values(centersOf(restored));
    assert(
      back.every((v, i) => v === trained[i]),
      'restored centers differ from the saved ones',
    );
    // Row ranges: rows 4..8 of the trained table written into the restored one's rows 0..4.
    const rows = await head.readCenters(4, 5);
    assert(rows.length === 5 * d, `readCenters length ${rows.length}`);
    rows.forEach((v, i) => assert(v === trained[4 * d + i], `readCenters value ${i}`));
    restored.writeCenters(0, rows);
    const written = await values(centersOf(restored));
    written.forEach((v, i) => assert(v === (i < 5 * d ? rows[i] : trained[i]), `after writeCenters, value ${i}: ${v}`));
    // The restored layer trains on.
    const optimizer2 = tf.train.sgd(0.1);
    loaded.compile({ optimizer: optimizer2, loss: losses.precomputedLoss });
    await loaded.fit([xs, ys], ys, { epochs: 1, batchSize: 6, verbose: 0 });
    optimizer2.dispose();
    const moved = await values(centersOf(restored));
    assert(
      moved.some((v, i) => v !== written[i]),
      'the restored centers did not train',
    );
    tf.dispose([xs, ys]);
    model.dispose();
    loaded.dispose();
    optimizer.dispose();
  },
);
