// node bench/profile.mjs [--variants floor,normFace,arcFace] [--n 256 --d 512 --c 10000] [--reps 5] [--min-ms 0.2]
//
// Where the time of one training step goes on the tensorflow backend: per-kernel times from
// tf.profile, averaged over repetitions, for each variant of bench/core.mjs, then a summary that
// sorts every kernel into the step's passes (matmuls, [N, C] passes, [D, C] passes, the rest) and
// sets each variant beside the first (the floor). Kernels are keyed by name and input shapes. A
// custom gradient's forward shows as one entry (`forward`, `softmaxCrossEntropy__op`) around its own
// kernels; the summary counts registered kernels only. TensorFlow ops the fast path runs by name (EuclideanNorm, LogSoftmax, …) are not
// tfjs kernels and appear only inside `forward`. Run `npm run build` first.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as margin from 'tfjs-margin';
import { makeStep } from './core.mjs';

const { values: args } = parseArgs({
  options: {
    variants: { type: 'string', default: 'floor,normFace,arcFace' },
    n: { type: 'string', default: '256' },
    d: { type: 'string', default: '512' },
    c: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    'min-ms': { type: 'string', default: '0.2' },
  },
});
const shape = { n: Number(args.n), d: Number(args.d), c: Number(args.c) };
const reps = Number(args.reps);

async function runOnce(step) {
  const loss = step();
  await loss.data();
  loss.dispose();
}

const size = (s) => (s ?? []).reduce((a, b) => a * b, 1);

/** The pass a kernel belongs to, from its largest input or output. */
function passOf(name, inputShapes, outputShapes) {
  if (name === 'BatchMatMul') return 'matmul';
  const shapes = [...inputShapes, ...outputShapes].filter(Boolean);
  const largest = shapes.reduce((a, s) => (size(s) > size(a) ? s : a), []);
  // Sub-center heads have C·K columns: anything at least C columns wide counts as a class-wide pass.
  if (size(largest) < shape.n * shape.c && size(largest) < shape.d * shape.c) return 'small ([N, D] or less)';
  return largest.includes(shape.d) && !largest.includes(shape.n) ? '[D, C] pass' : '[N, C] pass';
}

const summaries = [];
for (const variant of args.variants.split(',')) {
  const { step, dispose } = makeStep(tf, margin, variant, shape);
  for (let i = 0; i < 3; i++) await runOnce(step);
  const perKernel = new Map();
  const perPass = new Map();
  let wall = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const profile = await tf.profile(() => runOnce(step));
    wall += (performance.now() - t0) / reps;
    for (const k of profile.kernels) {
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const ms = (await k.kernelTimeMs) / reps;
      perKernel.set(key, (perKernel.get(key) ?? 0) + ms);
      // Custom gradients' forward passes (`forward`, `softmaxCrossEntropy__op`) wrap kernels counted
      // on their own: only registered kernels are passes.
      if (tf.getKernel(k.name, tf.getBackend()) === undefined || k.name === 'Identity') continue;
      const pass = passOf(k.name, k.inputShapes, k.outputShapes);
      const entry = perPass.get(pass) ?? { count: 0, ms: 0 };
      entry.count += 1 / reps;
      entry.ms += ms;
      perPass.set(pass, entry);
    }
  }
  dispose();
  const rows = [...perKernel].sort((a, b) => b[1] - a[1]);
  const sum = rows.reduce((s, [, t]) => s + t, 0);
  console.log(
    `\n== ${variant} N=${shape.n} D=${shape.d} C=${shape.c}: wall ${wall.toFixed(1)} ms (profiled), ` +
      `kernel sum ${sum.toFixed(1)} ms, ${rows.length} distinct kernels`,
  );
  for (const [key, t] of rows) if (t >= Number(args['min-ms'])) console.log(`${t.toFixed(2).padStart(8)} ms  ${key}`);
  summaries.push({ variant, wall, perPass });
}

const passes = ['matmul', '[N, C] pass', '[D, C] pass', 'small ([N, D] or less)'];
console.log(`\n== passes per step (kernels, ms; forward wrappers left out), N=${shape.n} D=${shape.d} C=${shape.c}`);
console.log(`| variant | wall ms | ${passes.join(' | ')} |`);
console.log(`| --- | ---: | ${passes.map(() => '---:').join(' | ')} |`);
for (const { variant, wall, perPass } of summaries) {
  const cells = passes.map((p) => {
    const e = perPass.get(p) ?? { count: 0, ms: 0 };
    return `${Math.round(e.count)} / ${e.ms.toFixed(1)}`;
  });
  console.log(`| ${variant} | ${wall.toFixed(1)} | ${cells.join(' | ')} |`);
}
