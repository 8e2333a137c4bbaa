import * as tf from '@tensorflow/tfjs';
import { fastPath } from 'tfjs-margin';
import { assert, expectClose, values } from '../harness/assert';
import { uniform } from '../harness/random';
import { spec } from '../harness/registry';

/** Runs `f` with the fast path on (or off), counting the TensorFlow ops run by name (tensorflow only). */
async function withFastPath<T>(on: boolean, f: () => Promise<T> | T): Promise<[T, Map<string, number>]> {
  const counts = new Map<string, number>();
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const keys = ['executeSingleOutput', 'executeMultipleOutputs'].filter((k) => typeof backend[k] === 'function');
  const originals = keys.map((k) => [k, backend[k] as (name: string, ...rest: unknown[]) => unknown] as const);
  for (const [key, original] of originals) {
    backend[key] = function (this: unknown, name: string, ...rest: unknown[]) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return original.call(this, name, ...rest);
    };
  }
  if (on) fastPath.enable();
  try {
    return [await f(), counts];
  } finally {
    fastPath.disable();
    for (const [key, original] of originals) backend[key] = original;
  }
}

function requireRan(ctx: { backend: string }, counts: Map<string, number>, ops: string[], what: string): void {
  if (ctx.backend !== 'tensorflow') return;
  for (const op of ops)
    assert((counts.get(op) ?? 0) > 0, `${what}: ${op} never ran (a silent fallback to the stock path)`);
}

const bnPrototype = (): Record<string, unknown> =>
  Object.getPrototypeOf(tf.layers.batchNormalization({})) as Record<string, unknown>;

spec(
  'trainingFastPath',
  'enable() replaces the fused pieces on tensorflow only, and disable() restores the stock ones exactly',
  (ctx) => {
    const stockCall = bnPrototype()['call'];
    const stockRelu = tf.getGradient('Relu');
    const stockLeaky = tf.getGradient('LeakyRelu');
    const stockAdam = (tf.AdamOptimizer.prototype as unknown as Record<string, unknown>)['applyGradients'];
    const stockMomentum = (tf.MomentumOptimizer.prototype as unknown as Record<string, unknown>)['applyGradients'];
    const stockDispose = (tf.AdamOptimizer.prototype as unknown as Record<string, unknown>)['dispose'];
    assert(!fastPath.status().enabled, 'the fast path is off until enabled');
    try {
      const on = fastPath.enable();
      assert(fastPath.enable().replaced.length === on.replaced.length, 'enable() is idempotent');
      if (ctx.backend === 'tensorflow') {
        assert(on.enabled && on.active, `enabled and active on tensorflow: ${JSON.stringify(on)}`);
        for (const what of ['BatchNormalization', 'Relu', 'LeakyRelu', 'Adam', 'momentum']) {
          assert(
            on.replaced.some((r) => r.includes(what)),
            `${what} is among the replaced: ${on.replaced.join('; ')}`,
          );
        }
        assert(bnPrototype()['call'] !== stockCall, 'BatchNormalization.call is replaced');
        assert(tf.getGradient('Relu') !== stockRelu, "Relu's gradient is replaced");
        assert(fastPath.status().active, 'status() says active');
      } else {
        assert(!on.enabled && !on.active && on.replaced.length === 0, `nothing replaced on ${ctx.backend}`);
        assert(
          /tensorflow/.test(on.reason ?? '') && on.reason!.includes(tf.getBackend()),
          `the reason names both backends: ${on.reason}`,
        );
        assert(bnPrototype()['call'] === stockCall, 'BatchNormalization.call untouched');
      }
    } finally {
      const off = fastPath.disable();
      assert(!off.enabled && off.replaced.length === 0, 'disable() says off');
    }
    assert(bnPrototype()['call'] === stockCall, 'BatchNormalization.call restored');
    assert(
      (tf.AdamOptimizer.prototype as unknown as Record<string, unknown>)['dispose'] === stockDispose,
      'dispose restored',
    );
    assert(tf.getGradient('Relu') === stockRelu && tf.getGradient('LeakyRelu') === stockLeaky, 'gradients restored');
    assert(
      (tf.AdamOptimizer.prototype as unknown as Record<string, unknown>)['applyGradients'] === stockAdam,
      'Adam restored',
    );
    assert(
      (tf.MomentumOptimizer.prototype as unknown as Record<string, unknown>)['applyGradients'] === stockMomentum,
      'momentum restored',
    );
  },
);

/** A BatchNormalization layer built for `shape` with random γ, β and moving statistics. */
function bnLayer(
  shape: number[],
  seed: number,
  options: { momentum?: number; epsilon?: number } = {},
): tf.layers.Layer {
  const layer = tf.layers.batchNormalization({ momentum: options.momentum ?? 0.8, epsilon: options.epsilon ?? 1e-3 });
  layer.build(shape);
  const c = shape[shape.length - 1]!;
  tf.tidy(() =>
    layer.setWeights([
      tf.tensor1d(uniform(seed, c, 0.5, 2)),
      tf.tensor1d(uniform(seed + 1, c, -1, 1)),
      tf.tensor1d(uniform(seed + 2, c, -0.5, 0.5)),
      tf.tensor1d(uniform(seed + 3, c, 0.5, 3)),
    ]),
  );
  return layer;
}

/** Output, dx, dγ, dβ of `sum(r ⊙ BN(x))` and the moving statistics after `calls` training calls. */
async function bnStep(layer: tf.layers.Layer, xs: tf.Tensor[], r: tf.Tensor, training: boolean): Promise<number[][]> {
  const out: number[][] = [];
  for (const x of xs) {
    const xv = tf.variable(x);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(r, layer.apply(xv, { training }) as tf.Tensor)) as tf.Scalar,
      [xv, gamma!, beta!],
    );
    const y = layer.apply(x, { training: false }) as tf.Tensor;
    out.push(
      await values(value),
      await values(grads[xv.name]!),
      await values(grads[gamma!.name]!),
      await values(grads[beta!.name]!),
      await values(y),
    );
    tf.dispose([value, y, ...Object.values(grads)]);
    xv.dispose();
  }
  for (const w of layer.getWeights()) out.push(await values(w));
  layer.weights.forEach((w) => w.dispose());
  return out;
}

spec(
  'trainingFastPath',
  "fused batch normalization equals tfjs-layers': outputs, dx, dγ, dβ, moving statistics (ranks 2, 3, 4; training and inference)",
  async (ctx) => {
    const shapes = [
      [6, 5],
      [4, 3, 5],
      [3, 4, 5, 6],
    ];
    for (const [k, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      const xs = [0, 1, 2].map((i) => tf.tensor(uniform(300 + 10 * k + i, n, -3, 4), shape));
      const r = tf.tensor(uniform(320 + k, n, -1, 1), shape);
      for (const training of [true, false]) {
        const what = `rank ${shape.length}, ${training ? 'training' : 'inference'}`;
        const stock = await bnStep(bnLayer(shape, 40 + k), xs, r, training);
        const [fast, counts] = await withFastPath(true, () => bnStep(bnLayer(shape, 40 + k), xs, r, training));
        requireRan(ctx, counts, ['FusedBatchNormV3', 'FusedBatchNormGradV3'], what);
        const names = ['loss', 'dx', 'dγ', 'dβ', 'inference output'];
        for (let i = 0; i < stock.length; i++) {
          const name =
            i < 15
              ? `call ${Math.floor(i / 5) + 1} ${names[i % 5]}`
              : ['γ', 'β', 'moving mean', 'moving variance'][i - 15];
          // Batch statistics from one kernel against moments + normalization: float32 rounding apart.
          await expectClose(
            fast[i]!,
            stock[i]!,
            { rtol: 20 * ctx.tol.rtol, atol: 20 * ctx.tol.atol },
            `${what}: ${name}`,
          );
        }
      }
      tf.dispose([...xs, r]);
    }
  },
);

spec(
  'trainingFastPath',
  "the moving variance averages the biased batch variance, with tfjs-layers' momentum convention",
  async (ctx) => {
    // One call on a batch whose biased and unbiased variances differ by 2×: m ← m − (m − v)·(1 − momentum).
    const x = tf.tensor2d([[1], [3]]); // mean 2, biased variance 1, unbiased 2
    const layer = tf.layers.batchNormalization({ momentum: 0.75 });
    layer.build([2, 1]);
    const [, counts] = await withFastPath(true, () =>
      tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor).dispose(),
    );
    requireRan(ctx, counts, ['FusedBatchNormV3'], 'moving statistics');
    const [, , movingMean, movingVariance] = layer.getWeights();
    await expectClose(movingMean!, [0.5], ctx.tol, 'moving mean: 0 − (0 − 2)·0.25');
    await expectClose(movingVariance!, [1], ctx.tol, 'moving variance: 1 − (1 − 1)·0.25 (biased variance 1)');
    x.dispose();
    layer.weights.forEach((w) => w.dispose());
  },
);

spec(
  'trainingFastPath',
  'the fused ReLU and LeakyReLU gradients equal the stock ones exactly, at 0 too',
  async (ctx) => {
    const x = tf.tensor1d([-2, -0.5, 0, 1e-30, 0.5, 3, -0, 7]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
    const grads = () =>
      tf.tidy(() => [
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(dy, tf.relu(t))))(x),
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(dy, tf.leakyRelu(t, 0.3))))(x),
      ]);
    const [stock] = await withFastPath(false, grads);
    const [fast, counts] = await withFastPath(true, grads);
    requireRan(ctx, counts, ['ReluGrad', 'LeakyReluGrad'], 'activations');
    await expectClose(fast[0]!, await values(stock[0]!), { rtol: 0, atol: 0 }, 'relu');
    await expectClose(fast[1]!, await values(stock[1]!), { rtol: 0, atol: 0 }, 'leakyRelu');
    tf.dispose([x, dy, ...stock, ...fast]);
  },
);

type MakeOptimizer = () => tf.Optimizer;

/** Three updates of two variables with fixed gradients, an outside write to one before the third. */
async function optimizerRun(make: MakeOptimizer): Promise<number[][]> {
  const a = tf.variable(tf.tensor2d(uniform(500, 6, -1, 1), [2, 3]), true, 'fastPathSpecA');
  const b = tf.variable(tf.tensor1d(uniform(501, 4, -1, 1)), true, 'fastPathSpecB');
  const optimizer = make();
  try {
    for (let step = 0; step < 3; step++) {
      if (step === 2) a.assign(tf.tensor2d(uniform(502, 6, -1, 1), [2, 3])); // as a setWeights would
      tf.tidy(() =>
        optimizer.applyGradients({
          fastPathSpecA: tf.tensor2d(uniform(510 + step, 6, -2, 2), [2, 3]),
          fastPathSpecB: tf.tensor1d(uniform(520 + step, 4, -2, 2)),
        }),
      );
    }
    const slots = await optimizer.getWeights();
    const out = [await values(a), await values(b), ...(await Promise.all(slots.map((s) => values(s.tensor))))];
    tf.dispose(slots.map((s) => s.tensor));
    return out;
  } finally {
    optimizer.dispose();
    a.dispose();
    b.dispose();
  }
}

/** `optimizerRun` and the tensors it left behind (tfjs's own optimizers keep a scalar or two after dispose). */
async function optimizerRunCounted(make: MakeOptimizer): Promise<{ out: number[][]; kept: number }> {
  const before = tf.memory().numTensors;
  const out = await optimizerRun(make);
  return { out, kept: tf.memory().numTensors - before };
}

spec(
  'trainingFastPath',
  'fused Adam and momentum updates equal the stock ones: variables, slots and iterations, after an outside write',
  async (ctx) => {
    const cases: Array<[string, MakeOptimizer, string]> = [
      ['adam', () => tf.train.adam(0.05, 0.8, 0.95, 1e-3), 'ResourceApplyAdam'],
      ['adam (default ε)', () => tf.train.adam(0.01), 'ResourceApplyAdam'],
      ['momentum', () => tf.train.momentum(0.1, 0.9), 'ResourceApplyMomentum'],
      ['nesterov', () => tf.train.momentum(0.1, 0.9, true), 'ResourceApplyMomentum'],
    ];
    for (const [name, make, op] of cases) {
      const [{ out: stock, kept: stockKept }] = await withFastPath(false, () => optimizerRunCounted(make));
      const [{ out: fast, kept }, counts] = await withFastPath(true, () => optimizerRunCounted(make));
      requireRan(ctx, counts, [op], name);
      // tfjs's optimizers leave a scalar or two after dispose (not ours to fix); the fast path adds none.
      assert(kept === stockKept, `${name}: ${kept} tensors left after dispose with the fast path, stock ${stockKept}`);
      assert(fast.length === stock.length, `${name}: ${fast.length} weights and slots, stock ${stock.length}`);
      for (let i = 0; i < stock.length; i++) {
        await expectClose(
          fast[i]!,
          stock[i]!,
          { rtol: 10 * ctx.tol.rtol, atol: 10 * ctx.tol.atol },
          `${name}: weight or slot ${i}`,
        );
      }
    }
  },
  { leakCheck: false },
);

/**
 * A small conv–BN–ReLU model (dense–BN–ReLU on wasm, which has no conv filter gradient) trained with
 * fit; its loss curve, predictions and the saved artifacts.
 */
async function fitSmallModel(conv: boolean): Promise<{
  losses: number[];
  prediction: number[];
  leaked: number;
  kept: number;
  artifacts: tf.io.ModelArtifacts;
}> {
  const start = tf.memory().numTensors;
  const image = tf.input({ shape: [6, 6, 2] });
  const first = conv
    ? tf.layers.conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: 1 }),
      })
    : tf.layers.dense({ units: 4, useBias: false, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) });
  let h = first.apply(image) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: image, outputs: h });
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const x = tf.tensor4d(uniform(600, 16 * 72, -1, 1), [16, 6, 6, 2]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3).toFloat();
  await model.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
  const before = tf.memory().numTensors;
  const history = await model.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
  const leaked = tf.memory().numTensors - before;
  const p = model.predict(x) as tf.Tensor;
  const prediction = await values(p);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(
      async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
    ),
  );
  tf.dispose([x, y, p]);
  optimizer.dispose();
  model.dispose();
  return {
    losses: history.history['loss'] as number[],
    prediction,
    leaked,
    kept: tf.memory().numTensors - start,
    artifacts: artifacts!,
  };
}

spec(
  'trainingFastPath',
  'model.fit with the fast path: the stock loss curve and predictions, no leaked tensors, a model that loads without it',
  async (ctx) => {
    const conv = ctx.backend !== 'wasm';
    const [stock] = await withFastPath(false, () => fitSmallModel(conv));
    const [fast, counts] = await withFastPath(true, () => fitSmallModel(conv));
    requireRan(ctx, counts, ['FusedBatchNormV3', 'FusedBatchNormGradV3', 'ReluGrad', 'ResourceApplyAdam'], 'fit');
    assert(fast.leaked === 0, `numTensors grew by ${fast.leaked} over 4 epochs with the fast path`);
    assert(fast.kept === stock.kept, `${fast.kept} tensors left after dispose with the fast path, stock ${stock.kept}`);
    await expectClose(fast.losses, stock.losses, { rtol: 1e-3, atol: 1e-5 }, 'loss per epoch');
    await expectClose(fast.prediction, stock.prediction, { rtol: 1e-3, atol: 1e-4 }, 'predictions');
    // Same layers, same weights format: the fast path's model loads and predicts with stock tfjs.
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(fast.artifacts));
    const x = tf.tensor4d(uniform(600, 16 * 72, -1, 1), [16, 6, 6, 2]);
    const p = loaded.predict(x) as tf.Tensor;
    await expectClose(p, fast.prediction, { rtol: 1e-5, atol: 1e-6 }, 'loaded model prediction');
    tf.dispose([x, p]);
    loaded.dispose();
  },
  { leakCheck: false },
);
