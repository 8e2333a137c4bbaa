// A/B: the step before (old dist) and after the robustness change (dist), interleaved, tensorflow.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('@tensorflow/tfjs-node');
await tf.setBackend('tensorflow');
const { measure } = await import('./core.mjs');
// Build the commit before the change into .scratch/old (git worktree add .scratch/old 1dd23c5; npx tsup there).
const oldM = await import('../.scratch/old/dist/index.js');
const newM = await import('../dist/index.js');
const shape = { n: 256, d: 512, c: 10000 };
const out = {};
for (let round = 0; round < 3; round++) {
  for (const v of ['floor', 'cosFace', 'arcFace', 'sphereFace']) {
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
  console.log(k.padEnd(18), v.map((x) => x.toFixed(1)).join(' '), 'median', [...v].sort((a, b) => a - b)[1].toFixed(1));
