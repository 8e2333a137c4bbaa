// Property-based fuzz of every public factory and function, run in a child process by
// test/fuzz/fuzz.test.ts so that an abort (out of memory, a native crash) fails the test instead of
// ending the test run. Each case draws a target, its arguments (valid, boundary, wrong type, huge,
// NaN/Infinity, unknown keys) and inputs (shapes, dtypes, magnitudes, labels in and out of range), and
// asserts: a finite result or a MarginArgumentError naming an argument; no leaked tensor; bounded time
// and memory. Before each case its description is written to --progress, so a crash names its case.
//
//   node test/fuzz/runFuzz.mjs --backend cpu --runs 700 --seed 1 --progress /tmp/p.json --report /tmp/r.json
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { callbacks, data, layers, losses, MarginArgumentError, metrics, ops } from 'tfjs-margin';

const require = createRequire(import.meta.url);
const { values: argv } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    runs: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    progress: { type: 'string' },
    report: { type: 'string' },
  },
});
if (argv.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (argv.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(argv.backend);
await tf.ready();

/** Seconds one case may take; megabytes the process may grow by in one case. */
const CASE_SECONDS = 10;
const CASE_GROWTH_MB = 1024;

// ---- argument values ----------------------------------------------------------------------------

/** Values no numeric argument should accept silently. */
const HOSTILE = [
  NaN,
  Infinity,
  -Infinity,
  -1,
  0,
  0.5,
  1e12,
  1e30,
  Number.MAX_VALUE,
  -1e30,
  '3',
  null,
  true,
  {},
  [],
  [1, 2],
  () => 1,
];

/** A positional argument: usually a valid value, sometimes a hostile one, sometimes absent. */
const hostileArg = (valid) =>
  fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

/** An option's valid values (options() makes one of them hostile in about half the cases). */
const arg = (valid) => valid;

const validScale = fc.constantFrom(1, 16, 30, 64, 1e4);
const validMargin = fc.constantFrom(0, 0.2, 0.35, 0.5, 1.5);
const validInt = (lo, hi) => fc.integer({ min: lo, max: hi });

/**
 * An options object of valid values in which, in about half the cases, one key holds a hostile value;
 * now and then a key is left out (its default) or an unknown key is added.
 */
function options(shape) {
  const keys = Object.keys(shape);
  return fc
    .tuple(
      fc.record(shape),
      fc.nat(2 * keys.length - 1),
      fc.constantFrom(...HOSTILE),
      fc.nat(9),
      fc.nat(keys.length - 1),
    )
    .map(([o, which, bad, r, absent]) => {
      const out = { ...o };
      if (which < keys.length && keys[which] !== 'seed') out[keys[which]] = bad;
      if (r === 1) delete out[keys[absent]];
      if (r === 0) out.bogusOption = 1;
      return out;
    });
}

// ---- inputs -------------------------------------------------------------------------------------

/** A float32 matrix `[n, d]` of values scaled by 10^e, sometimes with a NaN, Infinity or zero row. */
function matrix(n, d) {
  return fc
    .tuple(
      fc.integer({ min: -30, max: 36 }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * d, maxLength: n * d }),
      fc.constantFrom('none', 'none', 'none', 'none', 'none', 'nan', 'inf', 'zeroRow', '-inf'),
    )
    .map(([e, vs, special]) => {
      const values = vs.map((v) => Math.fround(v * 10 ** e));
      if (values.length > 0 && special === 'nan') values[0] = NaN;
      if (values.length > 0 && special === 'inf') values[values.length - 1] = Infinity;
      if (values.length > 0 && special === '-inf') values[0] = -Infinity;
      if (special === 'zeroRow') values.fill(0, 0, d);
      return { values, shape: [n, d], e, special };
    });
}

const dims = fc.record({ n: validInt(0, 5), d: validInt(1, 6), c: validInt(1, 7) });

/** Labels for n samples of c classes: in range, or with one out of range / fractional / negative. */
function labels(n, c) {
  return fc
    .tuple(
      fc.array(validInt(0, Math.max(0, c - 1)), { minLength: n, maxLength: n }),
      fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'high', 'negative', 'fractional'),
      fc.constantFrom('int32', 'float32', 'float32-2d'),
    )
    .map(([ys, bad, dtype]) => {
      const values = [...ys];
      if (values.length > 0 && bad === 'high') values[0] = c;
      if (values.length > 0 && bad === 'negative') values[0] = -1;
      if (values.length > 0 && bad === 'fractional') values[0] = 0.5;
      return { values, dtype, bad };
    });
}

const toTensor = (m) => tf.tensor2d(m.values, m.shape, 'float32');
/** One-hot targets `[n, c]`, row i of class i mod c. */
const oneHotRows = (n, c) =>
  c === 1 // tf.oneHot wants depth >= 2
    ? tf.ones([n, 1])
    : tf.tidy(() =>
        tf
          .oneHot(
            tf.tensor1d(
              Array.from({ length: n }, (_, i) => i % c),
              'int32',
            ),
            c,
          )
          .toFloat(),
      );
function labelTensor(l) {
  if (l.dtype === 'int32')
    return tf.tensor1d(
      l.values.map((v) => Math.trunc(v)),
      'int32',
    );
  if (l.dtype === 'float32') return tf.tensor1d(l.values, 'float32');
  return tf.tensor2d(l.values, [l.values.length, 1], 'float32');
}

// ---- targets ------------------------------------------------------------------------------------

/**
 * Each target: `draw` gives everything one case needs; `run` calls the API and returns what must be
 * finite (tensors, numbers or arrays of them) — all tensors it returns are disposed by the runner.
 * `allowNegInf`: log-probabilities, where −∞ is the exact value of a probability that underflowed.
 */
const TARGETS = {
  'ops.softmax': {
    draw: dims.chain(({ n, d }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        o: options({ axis: arg(fc.constantFrom(-1, 0, 1)), temperature: arg(fc.constantFrom(1, 0.05, 30)) }),
      }),
    ),
    run: ({ x, o }, t) => ops.softmax(t(toTensor(x)), o),
    nanFromInput: true,
  },
  'ops.logSoftmax': {
    draw: dims.chain(({ n, d }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        o: options({ axis: arg(fc.constantFrom(-1, 0, 1)), temperature: arg(fc.constantFrom(1, 0.05, 30)) }),
      }),
    ),
    run: ({ x, o }, t) => ops.logSoftmax(t(toTensor(x)), o),
    nanFromInput: true,
    allowNegInf: true,
  },
  'ops.l2Normalize': {
    draw: dims.chain(({ n, d }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        o: options({ axis: arg(fc.constantFrom(-1, 0)), epsilon: arg(fc.constantFrom(1e-12, 1e-6)) }),
      }),
    ),
    run: ({ x, o }, t) => ops.l2Normalize(t(toTensor(x)), o),
    nanFromInput: true,
  },
  'ops.cosineSimilarity': {
    draw: dims.chain(({ n, d, c }) => fc.record({ a: matrix(Math.max(n, 1), d), b: matrix(c, d) })),
    run: ({ a, b }, t) => ops.cosineSimilarity(t(toTensor(a)), t(toTensor(b))),
    nanFromInput: true,
  },
  'ops.normalizedLinear': {
    draw: dims.chain(({ n, d, c }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        w: matrix(d, c),
        o: options({
          scale: arg(validScale),
          normalizeInputs: arg(fc.boolean()),
          normalizeWeights: arg(fc.boolean()),
          epsilon: arg(fc.constant(1e-12)),
        }),
      }),
    ),
    run: ({ x, w, o }, t) => ops.normalizedLinear(t(toTensor(x)), t(toTensor(w)), o),
    nanFromInput: true,
    // With both normalizations off this is the plain product s·xW: its float32 overflow is IEEE's (documented).
    overflows: ({ o }) => o.normalizeInputs === false && o.normalizeWeights === false,
  },
  'ops.marginLogits': {
    draw: dims.chain(({ n, d, c }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        w: matrix(d, c),
        y: labels(Math.max(n, 1), c),
        m: hostileArg(validInt(1, 4)),
        scale: hostileArg(validScale),
        kind: fc.constantFrom('arc', 'cos', 'mult'),
      }),
    ),
    run: ({ x, w, y, m, scale, kind }, t) => {
      const margin =
        kind === 'arc'
          ? ops.margins.additiveAngularMargin(m === undefined ? 0.5 : m / 4)
          : kind === 'cos'
            ? ops.margins.additiveCosineMargin(m === undefined ? 0.35 : m / 8)
            : ops.margins.multiplicativeAngularMargin(m);
      const labelsT = t(
        tf.tensor1d(
          y.values.map((v) => Math.max(0, Math.trunc(v))),
          'int32',
        ),
      );
      return ops.marginLogits(t(toTensor(x)), t(toTensor(w)), labelsT, null, {
        margin,
        scale,
        normalizeInputs: kind !== 'mult',
        normalizeWeights: true,
        subCenters: 1,
        gradient: 'exact',
      });
    },
    nanFromInput: true,
    // The product s·x·W is formed before the column normalization (the lean step): when the logits
    // carry |x| it can overflow float32 before normalization brings it back (documented domain).
    overflows: ({ x, w, scale, kind }) => {
      const most = (m) => m.values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      return kind === 'mult' && most(x) * most(w) * (scale ?? 1) * x.shape[1] > 1e38;
    },
  },
  'ops.validateLabels': {
    draw: dims.chain(({ n, c }) => fc.record({ y: labels(Math.max(n, 1), c), c: hostileArg(fc.constant(c)) })),
    run: async ({ y, c }, t) => {
      await ops.validateLabels(t(labelTensor(y)), c);
      return [];
    },
  },
  'losses.softmaxCrossEntropy': {
    draw: dims.chain(({ n, c }) =>
      fc.record({ x: matrix(Math.max(n, 1), c), p: matrix(Math.max(n, 1), c), shift: fc.constantFrom(0, 1, 1) }),
    ),
    run: ({ x, p, shift }, t) =>
      losses.softmaxCrossEntropy(
        t(
          tf.tensor2d(
            p.values.map((v) => Math.abs(v) * shift - (shift ? 0 : v)),
            p.shape,
          ),
        ),
        t(toTensor(x)),
      ),
    nanFromInput: true,
  },
  'losses.sparseSoftmaxCrossEntropy': {
    draw: dims.chain(({ n, c }) =>
      fc.record({
        x: matrix(Math.max(n, 1), c),
        y: labels(Math.max(n, 1), c),
        o: options({ checkLabels: arg(fc.boolean()) }),
      }),
    ),
    run: ({ x, y, o }, t) => losses.sparseSoftmaxCrossEntropy(t(labelTensor(y)), t(toTensor(x)), o),
    nanFromInput: true,
  },
  'losses.softmaxCrossEntropyWith': {
    draw: dims.chain(({ n, c }) =>
      fc.record({
        x: matrix(Math.max(n, 1), c),
        o: options({
          labelSmoothing: arg(fc.constantFrom(0, 0.1, 0.9)),
          temperature: arg(fc.constantFrom(1, 0.5, 10)),
        }),
      }),
    ),
    run: ({ x, o }, t) => {
      const loss = losses.softmaxCrossEntropyWith(o);
      const n = x.shape[0];
      const c = x.shape[1];
      return loss(t(oneHotRows(n, c)), t(toTensor(x)));
    },
    nanFromInput: true,
  },
  'losses.marginLosses': {
    draw: dims.chain(({ n, c }) =>
      fc.record({
        kind: fc.constantFrom('arcFaceLoss', 'cosFaceLoss', 'combinedMarginLoss'),
        cos: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
          minLength: Math.max(n, 1) * c,
          maxLength: Math.max(n, 1) * c,
        }),
        o: options({
          scale: arg(validScale),
          margin: arg(validMargin),
          m1: arg(fc.constantFrom(1, 1.35)),
          m2: arg(validMargin),
          m3: arg(validMargin),
        }),
        n: fc.constant(Math.max(n, 1)),
        c: fc.constant(c),
      }),
    ),
    run: ({ kind, cos, o, n, c }, t) => {
      const opts = { ...o };
      if (kind !== 'combinedMarginLoss') {
        delete opts.m1;
        delete opts.m2;
        delete opts.m3;
      } else delete opts.margin;
      const loss = losses[kind](opts);
      const y = t(oneHotRows(n, c));
      return loss(y, t(tf.tensor2d(cos, [n, c])));
    },
  },
  'layers.heads': {
    draw: dims.chain(({ n, d, c }) =>
      fc.record({
        kind: fc.constantFrom(
          'largeMarginSoftmax',
          'sphereFace',
          'cosFace',
          'arcFace',
          'combinedMargin',
          'subCenterArcFace',
          'curricularFace',
          'adaFace',
          'magFace',
          'elasticFace',
          'adaCos',
          'circleHead',
        ),
        x: matrix(Math.max(n, 1), d),
        y: labels(Math.max(n, 1), c),
        d: fc.constant(d),
        o: options({
          numClasses: arg(fc.constant(c)),
          margin: arg(fc.constantFrom(1, 2)), // valid for every head: integer, < π, ≤ 2
          scale: arg(validScale),
          subCenters: arg(validInt(1, 3)),
          m1: arg(fc.constantFrom(1, 1.35)),
          m2: arg(validMargin),
          m3: arg(validMargin),
          gradient: arg(fc.constantFrom('exact', 'straightThrough')),
          lambda: arg(fc.constant({ base: 1000, gamma: 0.12, power: 1, min: 5 })),
          seed: fc.constant(1),
        }),
      }),
    ),
    run: ({ kind, x, y, d, o }, t) => {
      const keys = {
        largeMarginSoftmax: ['margin', 'scale', 'gradient', 'lambda'],
        sphereFace: ['margin', 'scale', 'gradient', 'lambda'],
        cosFace: ['margin', 'scale', 'gradient'],
        arcFace: ['margin', 'scale', 'gradient'],
        combinedMargin: ['m1', 'm2', 'm3', 'scale', 'gradient'],
        subCenterArcFace: ['subCenters', 'margin', 'scale', 'gradient'],
        curricularFace: ['margin', 'scale', 'gradient'],
        adaFace: ['margin', 'scale', 'gradient'],
        magFace: ['scale'],
        elasticFace: ['margin', 'scale', 'gradient'],
        adaCos: [],
        circleHead: ['margin'],
      }[kind];
      const args = Object.fromEntries(
        Object.entries(o).filter(([k]) => ['numClasses', 'seed', 'bogusOption', ...keys].includes(k)),
      );
      const head = layers[kind](args);
      head.build([
        [null, d],
        [null, 1],
      ]);
      const xs = t(toTensor(x));
      const logits = head.apply([xs, t(labelTensor(y))]);
      const ys = t(labelTensor(y));
      const g = tf.grad((v) => tf.sum(head.apply([v, ys])))(xs);
      return [logits, g];
    },
  },
  'layers.normalizedDense': {
    draw: dims.chain(({ n, d }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        d: fc.constant(d),
        o: options({
          units: arg(validInt(1, 6)),
          scale: arg(validScale),
          learnScale: arg(fc.boolean()),
          normalizeInputs: arg(fc.boolean()),
          seed: fc.constant(2),
        }),
      }),
    ),
    run: ({ x, d, o }, t) => {
      const layer = layers.normalizedDense(o);
      layer.build([null, d]);
      return layer.apply(t(toTensor(x)));
    },
    nanFromInput: true,
  },
  'layers.temperatureSoftmax': {
    draw: dims.chain(({ n, d }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        o: options({ temperature: arg(fc.constantFrom(1, 0.1, 10)), learnable: arg(fc.boolean()) }),
      }),
    ),
    run: ({ x, o }, t) => {
      return layers.temperatureSoftmax(o).apply(t(toTensor(x)));
    },
    nanFromInput: true,
  },
  'layers.l2Normalization': {
    draw: dims.chain(({ n, d }) =>
      fc.record({ x: matrix(Math.max(n, 1), d), o: options({ axis: arg(fc.constantFrom(-1, 1)) }) }),
    ),
    run: ({ x, o }, t) => {
      return layers.l2Normalization(o).apply(t(toTensor(x)));
    },
    nanFromInput: true,
  },
  'layers.partialFC': {
    draw: dims.chain(({ n, d, c }) =>
      fc.record({
        x: matrix(Math.max(n, 1), d),
        y: labels(Math.max(n, 1), c),
        d: fc.constant(d),
        o: options({
          numClasses: arg(fc.constant(c)),
          sampleRate: arg(fc.constantFrom(1, 0.5)),
          scale: arg(validScale),
          m1: arg(fc.constantFrom(1, 1.35)),
          m2: arg(validMargin),
          m3: arg(validMargin),
          learningRate: arg(fc.constantFrom(0.1, 0.01)),
          momentum: arg(fc.constantFrom(0, 0.9)),
          weightDecay: arg(fc.constantFrom(0, 5e-4)),
          seed: fc.constant(3),
        }),
      }),
    ),
    run: ({ x, y, d, o }, t) => {
      const layer = layers.partialFC(o);
      layer.build([
        [null, d],
        [null, 1],
      ]);
      return layer.apply([t(toTensor(x)), t(labelTensor(y))], { training: true });
    },
    nanFromInput: true,
  },
  'metrics.all': {
    draw: fc.record({
      kind: fc.constantFrom('roc', 'tarAtFar', 'verification', 'retrieval', 'oneShot', 'angularStats'),
      n: validInt(0, 12),
      d: validInt(1, 4),
      e: fc.integer({ min: -20, max: 30 }),
      bad: fc.constantFrom('none', 'none', 'nan', 'inf', 'zero', 'ragged', 'flags'),
      o: options({
        folds: arg(validInt(2, 4)),
        k: arg(validInt(1, 5)),
        distance: arg(fc.constantFrom('cosine', 'euclidean')),
        far: arg(fc.constantFrom(0.01, 0.5)),
      }),
      far: hostileArg(fc.constantFrom(0, 0.01, 1)),
      seed: fc.nat(1000),
    }),
    run: ({ kind, n, d, e, bad, o, far, seed }) => {
      let s = seed + 1;
      const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
      const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => rnd() * 10 ** e));
      if (n > 0 && bad === 'nan') rows[0][0] = NaN;
      if (n > 0 && bad === 'inf') rows[n - 1][d - 1] = Infinity;
      if (n > 0 && bad === 'zero') rows[0].fill(0);
      if (n > 1 && bad === 'ragged') rows[1] = rows[1].slice(1);
      const flags = rows.map((_, i) => (bad === 'flags' ? 2 : i % 2 === 0));
      const labelsOf = rows.map((_, i) => i % 3);
      const pick = (obj, keys) =>
        Object.fromEntries(Object.entries(obj).filter(([k]) => keys.includes(k) || k === 'bogusOption'));
      switch (kind) {
        case 'roc': {
          // Thresholds start at +Infinity (accept nothing), as scikit-learn's: not checked for finiteness.
          const r = metrics.roc(
            rows.map((row) => row[0]),
            flags,
          );
          return [...r.fpr, ...r.tpr, r.auc, r.eer];
        }
        case 'tarAtFar': {
          const r = metrics.tarAtFar(
            rows.map((row) => row[0]),
            flags,
            far,
          );
          return [r.tar, r.farReached];
        }
        case 'verification': {
          const r = metrics.verification(
            rows,
            rows.map((row) => row.map((v) => -v)),
            flags,
            pick(o, ['folds', 'distance', 'far']),
          );
          return [r.accuracy.mean, r.auc, r.eer, r.val.mean];
        }
        case 'retrieval':
          return Object.values(metrics.retrieval(rows, labelsOf, pick(o, ['k', 'distance'])));
        case 'oneShot': {
          const r = metrics.oneShot(
            rows,
            labelsOf,
            rows.slice().reverse(),
            labelsOf.slice().reverse(),
            pick(o, ['distance']),
          );
          return [r.accuracy, r.error];
        }
        default: {
          const r = metrics.angularStats(rows, labelsOf);
          return [r.meanIntraAngle, r.minInterAngle, r.meanNorm];
        }
      }
    },
  },
  'callbacks.all': {
    draw: fc.record({
      kind: fc.constantFrom(
        'cosineDecay',
        'polynomialDecay',
        'stepDecay',
        'learningRateScheduler',
        'marginWarmup',
        'progressLogger',
        'verificationCallback',
      ),
      o: options({
        learningRate: arg(fc.constantFrom(1e-3, 0.1)),
        warmupSteps: arg(validInt(0, 10)),
        totalSteps: arg(validInt(1, 100)),
        minLearningRate: arg(fc.constantFrom(0, 1e-5)),
        endLearningRate: arg(fc.constantFrom(0, 1e-5)),
        power: arg(fc.constantFrom(1, 2)),
        boundaries: arg(fc.constant([10, 20])),
        factor: arg(fc.constantFrom(0.1, 0.5)),
        mode: arg(fc.constantFrom('linear', 'switch')),
        from: arg(fc.constantFrom(0, 0.5)),
        barWidth: arg(validInt(1, 40)),
        everyEpochs: arg(validInt(1, 3)),
        batchSize: arg(validInt(1, 64)),
      }),
    }),
    run: ({ kind, o }) => {
      const pick = (keys) =>
        Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k) || k === 'bogusOption'));
      const warm = ['learningRate', 'warmupSteps', 'totalSteps'];
      let cb;
      if (kind === 'cosineDecay') cb = callbacks.cosineDecay(pick([...warm, 'minLearningRate']));
      else if (kind === 'polynomialDecay') cb = callbacks.polynomialDecay(pick([...warm, 'power', 'endLearningRate']));
      else if (kind === 'stepDecay') cb = callbacks.stepDecay(pick([...warm, 'boundaries', 'factor']));
      else if (kind === 'learningRateScheduler')
        cb = callbacks.learningRateScheduler({ schedule: (s) => 1 / (s + 1), ...pick(['totalSteps']) });
      else if (kind === 'marginWarmup') {
        const head = layers.arcFace({ numClasses: 3, seed: 1 });
        cb = callbacks.marginWarmup({ head, ...pick(['warmupSteps', 'mode', 'from']) });
        return [cb.strengthAt(0), cb.strengthAt(5), cb.strengthAt(1e9)];
      } else if (kind === 'progressLogger')
        cb = callbacks.progressLogger({ stream: { write: () => true }, ...pick(['barWidth']) });
      else {
        const a = tf.tensor2d([
          [1, 0],
          [0, 1],
        ]);
        try {
          const embeddingModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] });
          cb = callbacks.verificationCallback({
            pairs: { a, b: a, isSame: [true, false] },
            embeddingModel,
            ...pick(['everyEpochs', 'batchSize']),
          });
        } finally {
          a.dispose();
        }
        return [];
      }
      return typeof cb.schedule === 'function' ? [0, 1, 7, 99].map((s) => cb.schedule(s, 100)) : [];
    },
  },
  'data.classBalancedSampler': {
    draw: fc.record({
      y: fc.oneof(fc.array(validInt(0, 5), { minLength: 0, maxLength: 30 }), fc.constantFrom(...HOSTILE)),
      o: options({
        samplesPerClass: arg(validInt(1, 4)),
        classesPerBatch: arg(validInt(1, 4)),
        batchesPerEpoch: arg(validInt(1, 5)),
        seed: arg(fc.nat(100)),
      }),
    }),
    run: ({ y, o }) => {
      const sampler = data.classBalancedSampler(y, o);
      const first = sampler.epoch().next().value;
      return [first.length];
    },
  },
};

// ---- runner -------------------------------------------------------------------------------------

const names = Object.keys(TARGETS);
const caseArb = fc.constantFrom(...names).chain((name) => TARGETS[name].draw.map((input) => ({ name, input })));

/** Numbers in a result: tensors are read, arrays and objects walked. */
async function numbersOf(value, out = []) {
  if (value instanceof tf.Tensor) {
    if (value.dtype !== 'string') out.push(...(await value.data()));
  } else if (typeof value === 'number') out.push(value);
  else if (Array.isArray(value) || ArrayBuffer.isView(value)) for (const v of value) await numbersOf(v, out);
  return out;
}

function tensorsOf(value, out = []) {
  if (value instanceof tf.Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) tensorsOf(v, out);
  return out;
}

/** Whether some input carries NaN/±∞, which a pure tensor op may pass on (documented). */
const nonFiniteInput = (input) =>
  JSON.stringify(input, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'NONFINITE' : v)).includes(
    'NONFINITE',
  );

const failures = [];
const counts = Object.fromEntries(names.map((n) => [n, { cases: 0, errors: 0, results: 0 }]));
let cases = 0;
let maxCaseMs = 0;
let maxRssMb = 0;

async function runCase({ name, input }) {
  const target = TARGETS[name];
  cases++;
  counts[name].cases++;
  if (argv.progress)
    writeFileSync(
      argv.progress,
      JSON.stringify({ case: cases, name, input }, (k, v) => (typeof v === 'function' ? String(v) : v)),
    );
  const before = tf.memory().numTensors;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const owned = [];
  const track = (tensor) => {
    owned.push(tensor);
    return tensor;
  };
  let problem = null;
  try {
    const result = await target.run(input, track);
    counts[name].results++;
    const values = await numbersOf(result);
    tf.dispose(tensorsOf(result));
    const ok = (v) => Number.isFinite(v) || (target.allowNegInf && v === -Infinity);
    const bad = values.find((v) => !ok(v));
    // Pure tensor ops never read values back: NaN or ±∞ in their input may come out (documented).
    const excused = (target.nanFromInput && nonFiniteInput(input)) || target.overflows?.(input) === true;
    if (bad !== undefined && !excused) {
      problem = `non-finite result ${bad} (no MarginArgumentError)`;
    }
  } catch (err) {
    if (err instanceof MarginArgumentError) {
      counts[name].errors++;
      const byArgument = (counts[name].rejected ??= {});
      byArgument[err.argument] = (byArgument[err.argument] ?? 0) + 1;
      if (typeof err.argument !== 'string' || err.argument === '' || !err.message.includes(`'${err.argument}'`)) {
        problem = `MarginArgumentError without a named argument: ${err.message}`;
      }
    } else problem = `${err?.constructor?.name ?? typeof err}: ${String(err?.message ?? err).slice(0, 300)}`;
  }
  tf.dispose(owned);
  // Layers own variables (kernels, counters) for their lifetime; the cases' layers end here.
  tf.disposeVariables();
  const ms = performance.now() - started;
  maxCaseMs = Math.max(maxCaseMs, ms);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  maxRssMb = Math.max(maxRssMb, rssMb);
  const leaked = tf.memory().numTensors - before;
  if (problem === null && leaked !== 0) problem = `${leaked} tensors leaked`;
  if (problem === null && ms > CASE_SECONDS * 1000) problem = `took ${(ms / 1000).toFixed(1)} s`;
  if (problem === null && (process.memoryUsage().rss - rssBefore) / 2 ** 20 > CASE_GROWTH_MB)
    problem = 'grew by more than 1 GiB';
  if (problem !== null)
    failures.push({
      name,
      problem,
      input: JSON.parse(
        JSON.stringify(input, (k, v) =>
          typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'function' ? String(v) : v,
        ),
      ),
    });
  return problem === null;
}

await fc.assert(
  fc.asyncProperty(caseArb, async (c) => {
    await runCase(c);
    return true; // every failure is collected, not just the first
  }),
  { seed: Number(argv.seed), numRuns: Number(argv.runs), endOnFailure: false },
);
const report = {
  backend: tf.getBackend(),
  cases,
  counts,
  failures: failures.slice(0, 50),
  failureCount: failures.length,
  maxCaseMs,
  maxRssMb,
};
if (argv.report) writeFileSync(argv.report, JSON.stringify(report, null, 1));
console.log(
  `fuzz ${tf.getBackend()}: ${cases} cases, ${failures.length} failures, slowest ${maxCaseMs.toFixed(0)} ms, peak RSS ${maxRssMb.toFixed(0)} MB`,
);
for (const f of failures.slice(0, 10))
  console.log(`  ${f.name}: ${f.problem}\n    ${JSON.stringify(f.input).slice(0, 400)}`);
process.exit(failures.length === 0 ? 0 : 1);
