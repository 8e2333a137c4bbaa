// Benchmark core shared by bench/run.mjs (Node: cpu, wasm, tensorflow) and bench/browser (webgl,
// webgpu). It receives `tf` and the built package, so both sides run the identical step code.
//
// One training step = forward + backward + SGD update of the embeddings' gradient sink and the kernel:
//   floor     : logits = x · W, tf.losses.softmaxCrossEntropy (tfjs built-in), tfjs autodiff
//   <head>    : tfjs-margin's head op (custom gradient) + losses.softmaxCrossEntropy
//   autodiff  : the same ArcFace forward written with differentiable tf ops (for the custom-gradient ratio)
//   normFace  : cosine logits s·cos θ with no margin (ops.marginLogits without targets): what normalizing
//               x and W costs on its own, the part of every normalized head that is not the margin
//   normalizedLinear : the same logits through ops.normalizedLinear (the NormalizedDense layer's op)
//   floorWide : the floor with C·K columns (K = 3): the matmul floor of subCenterArcFace
// Time is the median over repetitions of `steps` steps each, ended by a device sync.

/** FLOPs of one step: the forward matmul (2NDC) and the two backward matmuls (4NDC). */
export const stepFlops = ({ n, d, c }) => 6 * n * d * c;

/** Kernel columns per class: K = 3 sub-centers for subCenterArcFace and its floor. */
const columnsPerClass = (variant) => (variant === 'subCenterArcFace' || variant === 'floorWide' ? 3 : 1);

function headOptions(margin, name) {
  const m = margin.ops.margins;
  const base = { normalizeInputs: true, normalizeWeights: true, subCenters: 1, gradient: 'exact' };
  switch (name) {
    case 'largeMarginSoftmax':
      return {
        ...base,
        normalizeInputs: false,
        normalizeWeights: false,
        scale: 1,
        margin: m.multiplicativeAngularMargin(4),
      };
    case 'sphereFace':
      return { ...base, normalizeInputs: false, scale: 1, margin: m.multiplicativeAngularMargin(4) };
    case 'cosFace':
      return { ...base, scale: 64, margin: m.additiveCosineMargin(0.35) };
    case 'arcFace':
      return { ...base, scale: 64, margin: m.additiveAngularMargin(0.5) };
    case 'combinedMargin':
      return { ...base, scale: 64, margin: m.combinedAngularMargin(1, 0.3, 0.2) };
    case 'subCenterArcFace':
      return { ...base, scale: 64, subCenters: 3, margin: m.additiveAngularMargin(0.5) };
    case 'curricularFace':
      // The head's t is an EMA (O(N) per step); a fixed t costs the same [N, C] passes.
      return {
        ...base,
        scale: 64,
        margin: m.additiveAngularMargin(0.5),
        hardNegatives: m.curricularHardNegatives(0.5, 0.1),
      };
    case 'adaFace':
      return { ...base, scale: 64, margin: m.adaFaceMargin({ margin: 0.4, h: 0.333, mean: 20, std: 100 }) };
    case 'magFace':
      return {
        ...base,
        scale: 64,
        margin: m.magFaceMargin({
          lowerNorm: 10,
          upperNorm: 110,
          lowerMargin: 0.45,
          upperMargin: 0.8,
          easyMargin: true,
        }),
      };
    case 'elasticFace':
      // Per-sample margins are an [N] tensor in the head; the [N, C] work is the same with one margin.
      return { ...base, scale: 64, margin: m.elasticMargin('arc', 0.5) };
    case 'adaCos':
      return { ...base, scale: 13, margin: m.additiveCosineMargin(0), dynamicScale: m.adaCosDynamicScale() };
    case 'circleHead':
      return { ...base, scale: 256, margin: m.circleTarget(0.25), negatives: m.circleNegatives(0.25) };
    default:
      throw new Error(`unknown head ${name}`);
  }
}

/** ArcFace written with plain differentiable ops: tfjs autodiff does the backward pass. */
function arcFaceAutodiff(tf, x, w, mask, s = 64, m = 0.5) {
  const xn = tf.div(x, tf.norm(x, 2, 1, true));
  const wn = tf.div(w, tf.norm(w, 2, 0, true));
  const cos = tf.matMul(xn, wn);
  const cT = tf.sum(tf.mul(cos, mask), 1);
  const sinT = tf.sqrt(tf.sub(1 + 1e-6, tf.square(cT)));
  const target = tf.sub(tf.mul(cT, Math.cos(m)), tf.mul(sinT, Math.sin(m)));
  return tf.mul(tf.add(cos, tf.mul(mask, tf.expandDims(tf.sub(target, cT), 1))), s);
}

/**
 * Builds the step closure of one variant; returns it with its disposer. `layout: 'rows'` stores the
 * kernel as [C, D] (`kernelLayout: 'rows'`) for the floor, normFace and the heads.
 */
export function makeStep(tf, margin, variant, shape, seed = 1, layout = 'columns') {
  const { n, d, c } = shape;
  const k = columnsPerClass(variant);
  const rows = layout === 'rows';
  if (rows && ['floorWide', 'normalizedLinear', 'autodiff'].includes(variant)) {
    throw new Error(`variant ${variant} has no rows layout`);
  }
  // tf.variable keeps its initial value's data but not the tensor: tidy releases the initializers.
  const x = tf.tidy(() => tf.variable(tf.randomNormal([n, d], 0, 1, 'float32', seed)));
  const w = tf.tidy(() => tf.variable(tf.randomNormal(rows ? [c * k, d] : [d, c * k], 0, 0.05, 'float32', seed + 1)));
  const labels = tf.randomUniform([n], 0, c, 'int32', seed + 2);
  const mask = tf.tidy(() => tf.cast(tf.oneHot(labels, c), 'float32'));
  const optimizer = tf.train.sgd(1e-3);
  const extra = [];
  let loss;
  const kernelLayout = rows ? 'rows' : 'columns';
  if (variant === 'floor') {
    loss = () => tf.losses.softmaxCrossEntropy(mask, tf.matMul(x, w, false, rows));
  } else if (variant === 'floorWide') {
    const wideMask = tf.tidy(() => tf.cast(tf.oneHot(tf.mul(labels, tf.scalar(k, 'int32')), c * k), 'float32'));
    extra.push(wideMask);
    loss = () => tf.losses.softmaxCrossEntropy(wideMask, tf.matMul(x, w));
  } else if (variant === 'normFace') {
    const options = {
      ...headOptions(margin, 'cosFace'),
      kernelLayout,
      margin: margin.ops.margins.additiveCosineMargin(0),
    };
    loss = () => tf.mean(margin.losses.softmaxCrossEntropy(mask, margin.ops.marginLogits(x, w, null, null, options)));
  } else if (variant === 'normalizedLinear') {
    loss = () => tf.mean(margin.losses.softmaxCrossEntropy(mask, margin.ops.normalizedLinear(x, w, { scale: 64 })));
  } else if (variant === 'autodiff') {
    loss = () => tf.mean(margin.losses.softmaxCrossEntropy(mask, arcFaceAutodiff(tf, x, w, mask)));
  } else {
    // The head layers check their labels once per call (checkInputs) and pass checkTargets: false.
    const options = { ...headOptions(margin, variant), kernelLayout, checkTargets: false };
    // int32 labels, as the head layers pass them (targets are read and written by gather/scatter).
    loss = () => tf.mean(margin.losses.softmaxCrossEntropy(mask, margin.ops.marginLogits(x, w, labels, null, options)));
  }
  const step = () => {
    const cost = optimizer.minimize(loss, true, [x, w]);
    return cost;
  };
  const dispose = () => {
    tf.dispose([x, w, labels, mask, ...extra]);
    optimizer.dispose();
  };
  return { step, dispose };
}

async function timeSteps(tf, step, steps) {
  const t0 = performance.now();
  let last = null;
  for (let i = 0; i < steps; i++) {
    if (last) last.dispose();
    last = step();
  }
  await last.data();
  last.dispose();
  return (performance.now() - t0) / steps;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Times one variant: warm-up, then the median over `reps` repetitions; peak memory from tf.profile. */
export async function measure(
  tf,
  margin,
  variant,
  shape,
  { steps = 3, reps = 3, warmup = 2, layout = 'columns' } = {},
) {
  const { step, dispose } = makeStep(tf, margin, variant, shape, 1, layout);
  try {
    for (let i = 0; i < warmup; i++) {
      const l = step();
      await l.data();
      l.dispose();
    }
    const times = [];
    for (let r = 0; r < reps; r++) times.push(await timeSteps(tf, step, steps));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(async () => {
      const l = step();
      await l.data();
      l.dispose();
    });
    const leaked = tf.memory().numTensors - before;
    const ms = median(times);
    return {
      variant,
      ms,
      gflops: stepFlops({ ...shape, c: shape.c * columnsPerClass(variant) }) / (ms * 1e6),
      peakBytes: profile.peakBytes,
      leaked,
    };
  } finally {
    dispose();
  }
}

/** The backend's own matmul rate at the step's shape: [N, D] × [D, C]. */
export async function matmulRate(tf, { n, d, c }, reps = 5) {
  const a = tf.randomNormal([n, d]);
  const b = tf.randomNormal([d, c]);
  const run = async () => {
    const t0 = performance.now();
    const p = tf.matMul(a, b);
    await p.data();
    p.dispose();
    return performance.now() - t0;
  };
  await run();
  const times = [];
  for (let i = 0; i < reps; i++) times.push(await run());
  tf.dispose([a, b]);
  return (2 * n * d * c) / (median(times) * 1e6);
}

export const HEADS = [
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
];

/**
 * Runs a benchmark plan on the active backend: for each shape, the floor, each head, and autodiff,
 * side by side, as ratios to the floor. Returns plain rows for printing and JSON.
 */
export async function runPlan(tf, margin, plan, log = () => {}) {
  const rows = [];
  for (const { shape, variants, steps, reps, warmup } of plan) {
    const rate = await matmulRate(tf, shape);
    const results = {};
    for (const v of ['floor', ...variants]) {
      results[v] = await measure(tf, margin, v, shape, { steps, reps, warmup });
      log(`${tf.getBackend()} N=${shape.n} D=${shape.d} C=${shape.c} ${v}: ${results[v].ms.toFixed(1)} ms`);
    }
    for (const v of variants) {
      const r = results[v];
      rows.push({
        backend: tf.getBackend(),
        ...shape,
        variant: v,
        ms: r.ms,
        floorMs: results.floor.ms,
        ratio: r.ms / results.floor.ms,
        // Against the floor with the same number of kernel columns (C·K for sub-centers).
        sameColumnsRatio: v === 'subCenterArcFace' && results.floorWide ? r.ms / results.floorWide.ms : null,
        gflops: r.gflops,
        matmulGflops: rate,
        peakBytes: r.peakBytes,
        floorPeakBytes: results.floor.peakBytes,
        memoryRatio: r.peakBytes / results.floor.peakBytes,
        leakedTensors: r.leaked,
      });
    }
  }
  return rows;
}
