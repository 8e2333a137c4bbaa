// node bench/layout.mjs [--c 10000] [--rounds 3]
//
// Does storing the kernel as [C, D] ("rows", kernelLayout: 'rows') instead of [D, C] change the
// tensorflow step? The floor, normFace, CosFace and ArcFace in both layouts, interleaved in one
// process; each figure is the fastest of `rounds` rounds of 4 × 3 steps. Run `npm run build` first.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-node';
import * as margin from 'tfjs-margin';

const { values: args } = parseArgs({
  options: { c: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } },
});
const [n, d, c] = [256, 512, Number(args.c)];
const margins = margin.ops.margins;
const heads = {
  normFace: null,
  cosFace: margins.additiveCosineMargin(0.35),
  arcFace: margins.additiveAngularMargin(0.5),
};

function makeStep(variant) {
  const rows = variant.endsWith('Rows');
  const name = rows ? variant.slice(0, -4) : variant;
  const x = tf.tidy(() => tf.variable(tf.randomNormal([n, d], 0, 1, 'float32', 1)));
  const w = tf.tidy(() => tf.variable(tf.randomNormal(rows ? [c, d] : [d, c], 0, 0.05, 'float32', 2)));
  const labels = tf.randomUniform([n], 0, c, 'int32', 3);
  const mask = tf.tidy(() => tf.cast(tf.oneHot(labels, c), 'float32'));
  const optimizer = tf.train.sgd(1e-3);
  const options = {
    normalizeInputs: true,
    normalizeWeights: true,
    subCenters: 1,
    gradient: 'exact',
    scale: 64,
    kernelLayout: rows ? 'rows' : 'columns',
    margin: heads[name] ?? margins.additiveCosineMargin(0),
  };
  const logits =
    name === 'floor' ? null : () => margin.ops.marginLogits(x, w, heads[name] === null ? null : labels, null, options);
  const loss =
    logits === null
      ? () => tf.losses.softmaxCrossEntropy(mask, tf.matMul(x, w, false, rows))
      : () => tf.mean(margin.losses.softmaxCrossEntropy(mask, logits()));
  return {
    step: () => optimizer.minimize(loss, true, [x, w]),
    dispose: () => {
      tf.dispose([x, w, labels, mask]);
      optimizer.dispose();
    },
  };
}

async function fastest(variant) {
  const { step, dispose } = makeStep(variant);
  const times = [];
  for (let r = -1; r < 4; r++) {
    const t0 = performance.now();
    let loss = null;
    for (let i = 0; i < 3; i++) {
      if (loss) loss.dispose();
      loss = step();
    }
    await loss.data();
    loss.dispose();
    if (r >= 0) times.push((performance.now() - t0) / 3);
  }
  dispose();
  return Math.min(...times);
}

const variants = ['floor', 'floorRows', 'normFace', 'normFaceRows', 'cosFace', 'cosFaceRows', 'arcFace', 'arcFaceRows'];
const best = {};
for (let round = 0; round < Number(args.rounds); round++) {
  for (const v of variants) best[v] = Math.min(best[v] ?? Infinity, await fastest(v));
}
console.log(`tensorflow N=${n} D=${d} C=${c}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| variant | ms | × floor [D, C] | × floor [C, D] |');
console.log('| --- | ---: | ---: | ---: |');
for (const v of variants) {
  const ratio = (f) => (best[v] / best[f]).toFixed(2);
  console.log(`| ${v} | ${best[v].toFixed(1)} | ${ratio('floor')} | ${ratio('floorRows')} |`);
}
