// The fine-tuning recipe of the enrolment page checked in Node (`node examples/enrol/finetune-check.mjs
// [recipe JSON]`): on each held-out alphabet of the page's embedder, 4 draws of 20 characters with
// 5 enrolled drawers each; nearest-identity accuracy on 5 other drawers before and after fine-tuning
// (finetune.mjs, the page's own module), on the PNG images the benchmark uses.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gallery } from 'tfjs-margin';
import { loadModel } from '../omniglot/files.mjs';
import { loadOmniglot, random, shuffled } from '../omniglot/omniglot.mjs';
import { useBackend } from '../shared.mjs';
import { embedWith, fineTune, FINE_TUNE } from './finetune.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const recipe = { ...FINE_TUNE, ...JSON.parse(process.argv[2] ?? '{}') };
console.log(`backend ${await useBackend('auto')}; recipe ${JSON.stringify(recipe)}`);
const info = JSON.parse(readFileSync(path.join(here, 'model/enrol.json'), 'utf8'));
const embedder = await loadModel(path.join(here, 'model'));
const { size, tta: shifts } = info;
const alphabets = loadOmniglot({ size, framing: info.framing ?? 'frame', inkSpread: info.inkSpread }).filter((a) =>
  info.holdout.includes(a.name),
);

/** Nearest-identity accuracy of `test` against a gallery of `enrolled`. */
async function accuracy(adapter, enrolled, test) {
  const g = gallery.create({ dim: info.embeddingSize });
  const e = embedWith(
    { embedder, adapter, size, shifts },
    enrolled.map((d) => d.ink),
  );
  const rows = await e.array();
  e.dispose();
  for (let i = 0; i < rows.length; i++) await g.add(String(enrolled[i].label), [rows[i]]);
  const q = embedWith(
    { embedder, adapter, size, shifts },
    test.map((d) => d.ink),
  );
  const found = await g.search(q, { k: 1 });
  q.dispose();
  g.dispose();
  return found.filter((r, i) => r[0].name === String(test[i].label)).length / test.length;
}

const rows = [];
for (const alphabet of alphabets) {
  for (const seed of [1, 2, 3, 4]) {
    const rand = random(seed);
    const chars = shuffled(alphabet.characters, rand).slice(0, 20);
    const drawers = shuffled(
      chars[0].drawings.map((d) => d.drawer),
      rand,
    );
    const pick = (ds) =>
      chars.flatMap((c, label) => ds.map((dr) => ({ ink: c.drawings.find((d) => d.drawer === dr).ink, label })));
    const enrolled = pick(drawers.slice(0, 5));
    const test = pick(drawers.slice(5, 10));
    const before = await accuracy(null, enrolled, test);
    const tensors = tf.memory().numTensors;
    const ft = await fineTune(
      { embedder, size, inks: enrolled.map((d) => d.ink), labels: enrolled.map((d) => d.label), numClasses: 20, seed },
      recipe,
    );
    const after = await accuracy(ft.adapter, enrolled, test);
    ft.adapter.dispose();
    if (tf.memory().numTensors !== tensors)
      throw new Error(`fine-tune leaked ${tf.memory().numTensors - tensors} tensors`);
    rows.push({ alphabet: alphabet.name, seed, before, after, seconds: ft.seconds });
    console.log(
      `${alphabet.name}, draw ${seed}: ${(100 * before).toFixed(1)}% → ${(100 * after).toFixed(1)}% ` +
        `(loss ${ft.losses[0].toFixed(2)} → ${ft.losses.at(-1).toFixed(2)}, ${ft.seconds.toFixed(1)} s)`,
    );
  }
}
const mean = (k) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
console.log(
  `mean over ${rows.length} draws: ${(100 * mean('before')).toFixed(1)}% → ${(100 * mean('after')).toFixed(1)}%; ` +
    `fell in ${rows.filter((r) => r.after < r.before).length}, rose in ${rows.filter((r) => r.after > r.before).length}`,
);
