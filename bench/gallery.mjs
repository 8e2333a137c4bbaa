// Gallery search throughput: queries per second against M enrolled 128-d embeddings (10k and 100k),
// through gallery.search (one [Q, M] product + tf.topk on the backend, top 5 identities) against a
// plain JavaScript loop over Float32Arrays (dot products, then a partial sort), side by side in one
// run on the same data. Batches of 64 queries; 5 reps; min / median / max queries/s.
//
//   npm run bench:gallery -- [--backend tensorflow|wasm] [--sizes 10000,100000] [--reps 5]
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as margin from '../dist/index.js';

const require = createRequire(import.meta.url);
const { values: a } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    sizes: { type: 'string', default: '10000,100000' },
    reps: { type: 'string', default: '5' },
  },
});
if (a.backend === 'tensorflow') require('@tensorflow/tfjs-node');
if (a.backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(a.backend);
const D = 128;
const Q = 64;
const K = 5;
let seed = 3;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
const stats = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return `${s[0].toFixed(0)} / ${s[Math.floor(s.length / 2)].toFixed(0)} / ${s[s.length - 1].toFixed(0)}`;
};

/** The plain loop: unit rows in one Float32Array, names per row; best score per identity, top K. */
function jsSearch(rows, names, m, queries) {
  const out = [];
  for (let r = 0; r < queries.length; r++) {
    const q = queries[r];
    let n = 0;
    for (let c = 0; c < D; c++) n += q[c] * q[c];
    n = 1 / Math.sqrt(n);
    const best = new Map();
    for (let i = 0; i < m; i++) {
      let s = 0;
      const o = i * D;
      for (let c = 0; c < D; c++) s += rows[o + c] * q[c];
      s *= n;
      const prev = best.get(names[i]);
      if (prev === undefined || s > prev) best.set(names[i], s);
    }
    out.push([...best.entries()].sort((x, y) => y[1] - x[1]).slice(0, K));
  }
  return out;
}

console.log(`backend ${tf.getBackend()}, D = ${D}, batches of ${Q} queries, top ${K}, ${new Date().toISOString()}`);
console.log(
  '| entries | gallery.search queries/s (min / median / max) | plain JS loop queries/s | speed-up (median) |',
);
console.log('| ---: | --- | --- | ---: |');
for (const m of a.sizes.split(',').map(Number)) {
  const g = margin.gallery.create({ dim: D });
  const names = Array.from({ length: m }, (_, i) => `id${i % Math.floor(m / 4)}`);
  const raw = Array.from({ length: m }, () => Array.from({ length: D }, rand));
  for (let start = 0; start < m; start += 4096) {
    // One add per identity block would be slow to build; add row by row through tensors per chunk.
    const chunk = raw.slice(start, start + 4096);
    const byName = new Map();
    chunk.forEach((row, i) =>
      (byName.get(names[start + i]) ?? byName.set(names[start + i], []).get(names[start + i])).push(row),
    );
    for (const [name, rows] of byName) await g.add(name, rows);
  }
  const json = g.toJSON();
  const rows = Float32Array.from(json.embeddings);
  const order = json.names;
  const queries = Array.from({ length: Q }, () => Array.from({ length: D }, rand));
  const qt = tf.tensor2d(queries);
  await g.search(qt, { k: K });
  const ours = [];
  const js = [];
  for (let r = 0; r < Number(a.reps); r++) {
    let t0 = performance.now();
    await g.search(qt, { k: K });
    ours.push(Q / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    jsSearch(rows, order, m, queries.slice(0, 8));
    js.push(8 / ((performance.now() - t0) / 1000));
  }
  const med = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  console.log(`| ${m} | ${stats(ours)} | ${stats(js)} | ${(med(ours) / med(js)).toFixed(1)}× |`);
  qt.dispose();
  g.dispose();
}
