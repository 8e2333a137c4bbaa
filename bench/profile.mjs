// node bench/profile.mjs [--variants floor,normFace,arcFace] [--n 256 --d 512 --c 10000] [--reps 5] [--min-ms 0.2]
//
// Where the time of one training step goes on the tensorflow backend: per-kernel times from
// tf.profile, averaged over repetitions, for each variant of bench/core.mjs. Kernels are keyed by
// name and input shapes; a custom gradient's forward shows as one `forward` entry around its own
// kernels, so the per-variant kernel sum counts those twice. Run `npm run build` first.
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

for (const variant of args.variants.split(',')) {
  const { step, dispose } = makeStep(tf, margin, variant, shape);
  for (let i = 0; i < 3; i++) await runOnce(step);
  const perKernel = new Map();
  let wall = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const profile = await tf.profile(() => runOnce(step));
    wall += (performance.now() - t0) / reps;
    for (const k of profile.kernels) {
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      perKernel.set(key, (perKernel.get(key) ?? 0) + (await k.kernelTimeMs) / reps);
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
}
