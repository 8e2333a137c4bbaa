// Regenerates the enrolment page's pretrained embedder (examples/enrol/model/): `npm run enrol:model`.
//
// 1. Trains it with the Omniglot benchmark's best head on the development protocol (ArcFace,
//    docs/omniglot-benchmark.md "The default preset on the development protocol") and the small recipe
//    measured there first (width 16, 16 epochs: a 393 kB model for the page; the default preset is now
//    width 32), on the training alphabets of the default split — Greek and Sanskrit are held out, so the
//    page and its test meet characters the network never saw.
// 2. Scores every verification pair of the held-out alphabets (same character by two drawers; two
//    characters of one alphabet) and writes the ROC beside the model: the page's "unknown" threshold
//    is the one at a stated false accept rate (`--far`, default 1e-2 per pair: the benchmark's TAR@FAR=1e-2 point), adjustable on the page.
//
//   npm run enrol:model                         # train (about 2-3 min with tfjs-node) and export
//   npm run enrol:model -- --from <dir>         # export an existing training's <dir>/arcface/ instead
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { metrics } from 'tfjs-margin';
import { useBackend } from '../shared.mjs';
import { embedInks } from '../omniglot/embed.mjs';
import { loadModel } from '../omniglot/files.mjs';
import { loadOmniglot } from '../omniglot/omniglot.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: args } = parseArgs({
  options: {
    from: { type: 'string' },
    far: { type: 'string', default: '1e-2' },
    head: { type: 'string', default: 'arcface' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: path.join(here, 'model') },
  },
});
const far = Number(args.far);
if (!(far > 0 && far < 1)) throw new Error(`--far must be in (0, 1) (got ${args.far})`);

const trainArgs = [
  '--heads',
  args.head,
  '--splits',
  '1',
  '--seed',
  args.seed,
  '--width',
  '16',
  '--epochs',
  '16',
  '--optimizer',
  'adam',
  '--lr',
  '3e-3',
  '--wd',
  '0',
  '--dropout',
  '0.2',
  '--views',
  '1',
  '--framing',
  'frame',
  '--margins',
  'paper',
  '--dev-runs',
  '10',
  '--figures',
  'false',
];
let from = args.from;
if (from === undefined) {
  from = path.join(root, 'examples/out/enrol-train');
  execFileSync(process.execPath, [path.join(root, 'examples/omniglot/train.mjs'), ...trainArgs, '--out', from], {
    stdio: 'inherit',
  });
}
await useBackend('auto');
const meta = JSON.parse(readFileSync(path.join(from, args.head, 'meta.json'), 'utf8'));
const results = JSON.parse(readFileSync(path.join(from, 'results.json'), 'utf8'));
const training = results.results[args.head].trainings[0];
const oneShotErrors = Object.values(training.oneShot)[0];
const oneShotError = oneShotErrors.reduce((a, b) => a + b, 0) / oneShotErrors.length;

const model = await loadModel(path.join(from, args.head, 'embedder'));
const framing = meta.framing ?? 'frame';
const { inkSpread } = meta;
const heldOut = loadOmniglot({ size: meta.size, framing, inkSpread }).filter((a) => meta.holdout.includes(a.name));
const images = [];
const character = [];
const alphabet = [];
heldOut.forEach((a, ai) =>
  a.characters.forEach((c) =>
    c.drawings.forEach((d) => {
      images.push(d.ink);
      character.push(c.name);
      alphabet.push(ai);
    }),
  ),
);
const e = await embedInks(model, images, { size: meta.size, shifts: meta.tta });
// Every pair: same character (two drawers) or two characters of one alphabet, as the benchmark's pairs.
const scores = [];
const isSame = [];
for (let i = 0; i < images.length; i++) {
  for (let j = i + 1; j < images.length; j++) {
    if (alphabet[i] !== alphabet[j]) continue;
    let dot = 0;
    let ni = 0;
    let nj = 0;
    for (let k = 0; k < e[i].length; k++) {
      dot += e[i][k] * e[j][k];
      ni += e[i][k] * e[i][k];
      nj += e[j][k] * e[j][k];
    }
    scores.push(dot / Math.sqrt(ni * nj));
    isSame.push(character[i] === character[j]);
  }
}
const curve = metrics.roc(scores, isSame);
const point = metrics.tarAtFar(scores, isSame, far);
// The curve for the page's slider: its points at about 200 thresholds from -1 to 1.
const slider = [];
for (let t = 1; t >= -1 - 1e-9; t -= 0.01) {
  let i = 0;
  while (i + 1 < curve.thresholds.length && curve.thresholds[i + 1] >= t) i++;
  slider.push([Number(t.toFixed(2)), Number(curve.fpr[i].toPrecision(4)), Number(curve.tpr[i].toPrecision(4))]);
}

rmSync(args.out, { recursive: true, force: true });
mkdirSync(args.out, { recursive: true });
cpSync(path.join(from, args.head, 'embedder'), args.out, { recursive: true });
const info = {
  head: args.head,
  command: `npm run enrol:model (node examples/omniglot/train.mjs ${trainArgs.join(' ')})`,
  created: new Date().toISOString().slice(0, 10),
  backend: tf.getBackend(),
  size: meta.size,
  framing,
  ...(inkSpread === undefined ? {} : { inkSpread }),
  embeddingSize: meta.embeddingSize,
  tta: meta.tta,
  holdout: meta.holdout,
  trainedOn: loadOmniglot({ size: meta.size })
    .map((a) => a.name)
    .filter((n) => !meta.holdout.includes(n)),
  oneShotError,
  oneShotRuns: oneShotErrors.length,
  verification: {
    pairs: scores.length,
    same: isSame.filter(Boolean).length,
    auc: curve.auc,
    eer: curve.eer,
  },
  threshold: { far, achievedFar: point.far, tar: point.tar, value: point.threshold },
  roc: { columns: ['threshold', 'far', 'tar'], points: slider },
};
writeFileSync(path.join(args.out, 'enrol.json'), `${JSON.stringify(info)}\n`);
console.log(
  `wrote ${path.relative(root, args.out)}: ${args.head} embedder held out ${meta.holdout.join(' + ')}, ` +
    `one-shot error ${(100 * oneShotError).toFixed(1)}% (${oneShotErrors.length} 20-way runs), ` +
    `${scores.length} verification pairs: AUC ${curve.auc.toFixed(3)}, EER ${(100 * curve.eer).toFixed(1)}%, ` +
    `threshold ${point.threshold.toFixed(3)} at FAR ${point.far.toExponential(1)} (target ${far}), TAR ${(100 * point.tar).toFixed(1)}%`,
);
model.dispose();
