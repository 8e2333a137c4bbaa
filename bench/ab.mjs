// node bench/ab.mjs [oldDir]   A/B on tensorflow: the step of an older build (oldDir/dist, default
// .scratch/old) and of this one (dist), interleaved, 3 rounds; prints every time and the median.
// Build the older commit with: git worktree add .scratch/old <commit> && (cd .scratch/old && npx tsup)
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('@tensorflow/tfjs-node');
await tf.setBackend('tensorflow');
const { measure } = await import('./core.mjs');
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const oldDir = path.resolve(process.argv[2] ?? '.scratch/old');
const oldM = await import(pathToFileURL(path.join(oldDir, 'dist/index.js')).href);
const newM = await import('../dist/index.js');
const shape = { n: 256, d: 512, c: 10000 };
const out = {};
const rounds = Number(process.env.AB_ROUNDS ?? 3);
for (let round = 0; round < rounds; round++) {
  for (const v of (process.env.AB_VARIANTS ?? 'floor,cosFace,arcFace,sphereFace').split(',')) {
    for (const [name, m] of [
      ['old', oldM],
      ['new', newM],
    ]) {
      const r = await measure(tf, m, v, shape, { steps: 3, reps: 3, warmup: 1 });
      (out[`${v} ${name}`] ??= []).push(r.ms);
    }
  }
}
for (const [k, v] of Object.entries(out))
  console.log(
    k.padEnd(18),
    v.map((x) => x.toFixed(1)).join(' '),
    'median',
    [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)].toFixed(1),
  );
