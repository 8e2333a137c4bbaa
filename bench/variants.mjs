// node bench/variants.mjs [--backend tensorflow|wasm|cpu] [--variants floor,arcFace,...] [--rounds 5] [--c 10000]
//
// Selected variants of bench/core.mjs side by side on one Node backend, interleaved round by round so
// that drift hits them alike; prints ms per step (median of 3 × 3 steps per round) for every round,
// min / median / max over rounds, and each variant's median ratio to the floor.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { measure } from './core.mjs';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    variants: { type: 'string', default: 'floor,arcFace,curricularFace,adaFace' },
    rounds: { type: 'string', default: '5' },
    c: { type: 'string', default: '10000' },
  },
});
const require = createRequire(import.meta.url);
if (args.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (args.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(args.backend);
const margin = await import('../dist/index.js');
const shape = { n: 256, d: 512, c: Number(args.c) };
const variants = args.variants.split(',');
const times = Object.fromEntries(variants.map((v) => [v, []]));
for (let round = 0; round < Number(args.rounds); round++) {
  for (const v of variants) times[v].push((await measure(tf, margin, v, shape, { steps: 3, reps: 3, warmup: 1 })).ms);
}
const sorted = (v) => [...v].sort((a, b) => a - b);
const median = (v) => sorted(v)[Math.floor(v.length / 2)];
const floor = times.floor === undefined ? null : median(times.floor);
console.log(`${args.backend}, N = ${shape.n}, D = ${shape.d}, C = ${shape.c}, ${args.rounds} rounds`);
console.log('| variant | ms per round | min / median / max | × floor (median) |');
console.log('| --- | --- | --- | --- |');
for (const v of variants) {
  const s = sorted(times[v]);
  const ratio = floor === null ? '–' : `${(median(times[v]) / floor).toFixed(2)}×`;
  console.log(
    `| ${v} | ${times[v].map((x) => x.toFixed(1)).join(', ')} | ${s[0].toFixed(1)} / ${median(s).toFixed(1)} / ${s[s.length - 1].toFixed(1)} | ${ratio} |`,
  );
}
