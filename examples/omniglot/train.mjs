// The open-set benchmark: Omniglot characters are the identities, as people are in face recognition.
// An embedding CNN is trained with each head on the characters of some alphabets and judged on
// alphabets it never saw: 20-way one-shot classification (Lake et al. 2015's protocol, runs in the
// public runNN/ layout), verification of same/different-character pairs, and retrieval.
//
//   npm run example                                        # the preset's five headline heads, one seed, Greek + Sanskrit held out
//   npm run example -- --quick                             # under a minute
//   npm run example -- --preset full --dry-run             # print the recipe, the plan and the time it expects; train nothing
//   npm run results:omniglot                               # the published head table (its recipe, 14 heads): 2 held-out splits x 3 seeds,
//                                                          # into the tracked examples/omniglot/results/
//   npm run example -- --holdout none --runs all_runs/     # train on all 242 characters, test on official runs
//   npm run example -- --load examples/omniglot/results --runs my_runs/   # evaluate saved models, no training
//   npm run example -- --checkpoint ckpt/           # a checkpoint per training after every epoch;
//   npm run example -- --checkpoint ckpt/ --resume  # after a crash: each training continues where it was
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { callbacks, data, fastPath, losses, metrics } from 'tfjs-margin';
import { pairCosines, resumable, useBackend } from '../shared.mjs';
import { AFFINE, randomAffine, rotateInk } from './augment.mjs';
import { FRAMINGS, INK_SPREAD, INK_SPREAD_RANGE } from './drawing.mjs';
import { embedInks } from './embed.mjs';
import { loadModel, saveModel } from './files.mjs';
import { oneShotSpec, render, rocSpec } from './figures.mjs';
import { buildModel, HEADS } from './models.mjs';
import { estimateSeconds, PRESETS } from './presets.mjs';
import { loadStrokes, renderStrokes } from './strokes.mjs';
import { makeTable, meanStd } from './report.mjs';
import { AUTO_SPLITS, loadOmniglot, makeRuns, random, shuffled, splitAlphabets } from './omniglot.mjs';
import { oneShotErrors, readRuns, writeRuns } from './runs.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);

const { values: args } = parseArgs({
  options: {
    heads: { type: 'string' },
    epochs: { type: 'string' },
    seeds: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    splits: { type: 'string', default: '1' },
    holdout: { type: 'string', default: 'auto' },
    runs: { type: 'string', multiple: true, default: [] },
    load: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'auto' },
    embedding: { type: 'string' },
    scale: { type: 'string' },
    margin: { type: 'string' },
    margins: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    augment: { type: 'string', default: 'true' },
    affine: { type: 'string' },
    elastic: { type: 'string' },
    dropout: { type: 'string' },
    width: { type: 'string' },
    depth: { type: 'string' },
    backbone: { type: 'string' },
    size: { type: 'string', default: '28' },
    framing: { type: 'string' },
    'ink-spread': { type: 'string' },
    figures: { type: 'string', default: 'true' },
    preset: { type: 'string', default: 'default' },
    rotations: { type: 'string' },
    groups: { type: 'string' },
    'per-class': { type: 'string' },
    tta: { type: 'string' },
    views: { type: 'string' },
    center: { type: 'string' },
    optimizer: { type: 'string' },
    wd: { type: 'string' },
    'fast-path': { type: 'string', default: 'true' },
    strokes: { type: 'string' },
    'dev-runs': { type: 'string' },
    'triplet-mining': { type: 'string', default: 'semiHard' },
    checkpoint: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
});

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(2);
}

function count(name, text, min, max = Infinity) {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`--${name} must be an integer in [${min}, ${max === Infinity ? '∞' : max}] (got ${JSON.stringify(text)})`);
  }
  return v;
}

function positive(name, text) {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) fail(`--${name} must be a positive number (got ${JSON.stringify(text)})`);
  return v;
}

function flag(name, text) {
  if (text !== 'true' && text !== 'false') fail(`--${name} must be true or false (got ${JSON.stringify(text)})`);
  return text === 'true';
}

const quick = args.quick;
const presetName = quick ? 'quick' : args.preset;
if (!(presetName in PRESETS))
  fail(`--preset must be one of ${Object.keys(PRESETS).join(', ')} (got ${JSON.stringify(args.preset)})`);
const preset = PRESETS[presetName];
const headNames =
  args.heads === undefined ? preset.headline : args.heads === 'all' ? Object.keys(HEADS) : args.heads.split(',');
for (const h of headNames)
  if (!(h in HEADS)) fail(`--heads: unknown head "${h}"; choose from ${Object.keys(HEADS).join(', ')}`);
const epochs = count('epochs', args.epochs ?? String(preset.epochs), 1, 1000);
const seeds = count('seeds', args.seeds, 1, 100);
const baseSeed = count('seed', args.seed, 0, 2 ** 31 - 1);
const size = count('size', args.size, 8, 105);
/**
 * The `key` of the meta.json of the saved models under `--load` (`fallback` where a model predates it),
 * if any; `flag` names the setting in the error when they differ.
 */
function savedSetting(key, fallback, flag) {
  if (!args.load) return undefined;
  const dir = path.resolve(args.load);
  if (!existsSync(dir)) return undefined;
  const found = new Set(
    readdirSync(dir)
      .filter((h) => existsSync(path.join(dir, h, 'meta.json')))
      .map((h) => JSON.parse(readFileSync(path.join(dir, h, 'meta.json'), 'utf8'))[key] ?? fallback),
  );
  if (found.size > 1)
    fail(`--load ${dir}: its models were trained with different ${flag} values; pass ${flag} and --heads`);
  return [...found][0];
}
// What of each drawing the network sees (drawing.mjs): the whole canvas, or a square about its ink; a
// saved model is judged in the framing it was trained in unless --framing says otherwise.
const framing = args.framing ?? savedSetting('framing', 'frame', '--framing') ?? preset.framing ?? 'frame';
if (!FRAMINGS.includes(framing))
  fail(`--framing must be ${FRAMINGS.join(' or ')} (got ${JSON.stringify(args.framing)})`);
// The ink framing's square, in RMS radii of ink (drawing.mjs's INK_SPREAD by default).
if (args['ink-spread'] !== undefined && framing !== 'ink')
  fail('--ink-spread sizes the ink framing: it needs --framing ink');
const inkSpread = Number(
  args['ink-spread'] ??
    (framing === 'ink' ? savedSetting('inkSpread', INK_SPREAD, '--ink-spread') : undefined) ??
    INK_SPREAD,
);
if (!(inkSpread >= INK_SPREAD_RANGE[0] && inkSpread <= INK_SPREAD_RANGE[1]))
  fail(`--ink-spread must be a number in [${INK_SPREAD_RANGE.join(', ')}] (got ${JSON.stringify(args['ink-spread'])})`);
const embeddingSize = count('embedding', args.embedding ?? '128', 2, 4096);
const batchSize = count('batch', args.batch ?? String(preset.batch), 2, 4096);
let width = count('width', args.width ?? String(preset.width), 1, 512);
// Conv blocks of the backbone: 3 (28 → 3×3) or 4 (a fourth at 4·width, 3×3 → 1×1).
const depth = count('depth', args.depth ?? String(preset.depth ?? 3), 3, 4);
if (depth === 4 && size < 16) fail(`--depth 4 needs --size 16 or more (got ${size})`);
const backboneArg = args.backbone ?? preset.backbone ?? 'cnn';
if (!['cnn', 'resnet', 'resnet-pool'].includes(backboneArg))
  fail(`--backbone must be cnn, resnet or resnet-pool (got ${JSON.stringify(args.backbone)})`);
const learningRate = positive('lr', args.lr ?? String(preset.lr));
// Each character's rotations by 90°, 180°, 270° (4) and their mirror images (8) as new identities.
const rotations = count('rotations', args.rotations ?? String(preset.rotations), 1, 8);
if (![1, 2, 4, 8].includes(rotations)) fail(`--rotations must be 1, 2, 4 or 8 (got ${args.rotations})`);
// Alphabet-aware batches: each batch's classes from one alphabet (data.classBalancedSampler's groups).
const groups = flag('groups', args.groups ?? String(preset.groups));
const perClass = count('per-class', args['per-class'] ?? String(preset.perClass), 1, 64);
if (batchSize % perClass !== 0 && (groups || headNames.some((h) => HEADS[h].pair || HEADS[h].precomputed)))
  fail(`--batch (${batchSize}) must be a multiple of --per-class (${perClass}) with --groups true or a pair loss`);
// Test-time averaging of the embedding over 1, 5 (±1 px in x, y) or 9 (3×3) shifted copies.
const tta = count('tta', args.tta ?? String(preset.tta), 1, 9);
if (![1, 5, 9].includes(tta)) fail(`--tta must be 1, 5 or 9 (got ${args.tta})`);
// Test-time views: the image only, its 4 quarter turns, or those and their 8 mirror images, each
// embedded (with the shifts) and concatenated — for models trained with rotations as identities.
const views = count('views', args.views ?? String(preset.views), 1, 8);
if (![1, 4, 8].includes(views)) fail(`--views must be 1, 4 or 8 (got ${args.views})`);
// One-shot scoring: cosine about the origin, or about the mean of each run's support embeddings.
const center = args.center ?? preset.center ?? 'none';
if (!['none', 'support'].includes(center))
  fail(`--center must be none or support (got ${JSON.stringify(args.center)})`);
const optimizerName = args.optimizer ?? preset.optimizer;
if (!['adam', 'sgd'].includes(optimizerName))
  fail(`--optimizer must be adam or sgd (got ${JSON.stringify(args.optimizer)})`);
const weightDecay = Number(args.wd ?? preset.wd);
if (!(weightDecay >= 0 && weightDecay < 1)) fail(`--wd must be in [0, 1) (got ${JSON.stringify(args.wd)})`);
const useFastPath = flag('fast-path', args['fast-path']);
// Stroke-level augmentation: the fraction of training images re-drawn from their pen trajectories with
// jittered points and pen width (then distorted like the others).
const strokeRate = Number(args.strokes ?? preset.strokes ?? 0);
if (!(strokeRate >= 0 && strokeRate <= 1))
  fail(`--strokes must be a fraction in [0, 1] (got ${JSON.stringify(args.strokes)})`);
if (strokeRate > 0 && framing !== 'frame') fail(`--strokes re-draws on the whole canvas: it needs --framing frame`);
const dropout = Number(args.dropout ?? preset.dropout);
if (!(dropout >= 0 && dropout < 1)) fail(`--dropout must be in [0, 1) (got ${JSON.stringify(args.dropout)})`);
const augment = flag('augment', args.augment);
// The strength of the affine distortion: every range of augment.mjs's AFFINE times this factor.
const affineFactor = Number(args.affine ?? preset.affine ?? 1);
if (!(affineFactor >= 0 && affineFactor <= 2))
  fail(`--affine must be a factor in [0, 2] (got ${JSON.stringify(args.affine)})`);
// An elastic warp on top (Simard et al. 2003): the largest displacement of its control points, in pixels
// of a 28×28 image (scaled with --size); 0, none, unless asked for.
const elasticPixels = Number(args.elastic ?? preset.elastic ?? 0);
if (!(elasticPixels >= 0 && elasticPixels <= 4))
  fail(`--elastic must be a displacement in pixels in [0, 4] (got ${JSON.stringify(args.elastic)})`);
const elasticText = elasticPixels > 0 ? ` and elastic warp ±${elasticPixels} px` : '';
const affineRanges = {
  ...Object.fromEntries(Object.entries(AFFINE).map(([k, v]) => [k, v * affineFactor])),
  elastic: elasticPixels / 28,
};
const scale = args.scale === undefined ? undefined : positive('scale', args.scale);
const margin = args.margin === undefined ? undefined : Number(args.margin);
if (margin !== undefined && !Number.isFinite(margin)) fail(`--margin must be a number (got ${args.margin})`);
// Each head's margin where --margin sets none: the preset's (tuned in the recipe study), or its paper's.
const marginsFrom = args.margins ?? 'preset';
if (!['preset', 'paper'].includes(marginsFrom))
  fail(`--margins must be preset or paper (got ${JSON.stringify(args.margins)})`);
/** The margin `head` trains with: --margin, else the preset's for it (`--margins preset`), else its paper's. */
const marginOf = (head) => margin ?? (marginsFrom === 'preset' ? preset.margins?.[head] : undefined);
// The heads whose margin the preset sets, as the recipe lines print them.
const presetMargins = headNames.filter((h) => margin === undefined && marginOf(h) !== undefined);
const marginsText =
  presetMargins.length > 0 ? `margins ${presetMargins.map((h) => `${HEADS[h].title} ${marginOf(h)}`).join(', ')}` : '';
// The framing as the recipe lines print it (the square's size only where it is not the default).
const spreadText = inkSpread !== INK_SPREAD ? ` (${inkSpread} RMS radii)` : '';
// An ordinary run writes to an ignored folder; only `npm run results:omniglot` (an explicit --out)
// rewrites the tracked examples/omniglot/results/ that the README and docs publish.
const out = path.resolve(args.load ?? args.out ?? path.join(here, '..', 'out', quick ? 'omniglot-quick' : 'omniglot'));
// 20-way runs per held-out alphabet of a development split (the same runs for every head and seed):
// 30, as the recipe study's protocol (two alphabets: 1,200 queries, a standard error of about 1 point).
const runsPerAlphabet = count('dev-runs', args['dev-runs'] ?? (quick ? '4' : '30'), 1, 1000);
const pairCount = quick ? 1000 : 3000;

const backendText = await useBackend(args.backend).catch((err) => fail(err.message));
if (tf.getBackend() === 'wasm' && args.backbone !== undefined)
  fail(`--backbone ${backboneArg}: the wasm backend has no conv filter gradient, so it trains an MLP backbone`);
const backboneKind = tf.getBackend() === 'wasm' ? 'mlp' : backboneArg;
// The MLP that stands in for a preset's backbone on wasm has the preset's own width for it (its units
// are 32 × width): a ResNet's width is not the plain net's of the same cost.
if (backboneKind === 'mlp' && args.width === undefined) width = preset.mlpWidth ?? width;
console.log(`backend ${backendText}`);
if (useFastPath) {
  const fast = fastPath.enable();
  console.log(
    fast.active
      ? `fast path on (fused batch norm, ReLU gradients and Adam/momentum updates in TensorFlow's kernels; --fast-path false for the stock ones)`
      : `fast path off: ${fast.reason}`,
  );
}

const t0 = Date.now();
const alphabets = loadOmniglot({ size, framing, inkSpread });
const strokesByImage = strokeRate > 0 ? loadStrokes() : new Map();
/** Runs `f`, turning a thrown data or argument error into a one-line message and exit code 2. */
function orFail(f) {
  try {
    return f();
  } catch (err) {
    return fail(err.message);
  }
}
const external = orFail(() =>
  args.runs.map((dir) => ({ name: dir, runs: readRuns(dir, { size, framing, inkSpread }) })),
);

/** Held-out alphabet lists to train and test on. */
function holdouts() {
  if (args.holdout === 'auto') return AUTO_SPLITS.slice(0, count('splits', args.splits, 1, AUTO_SPLITS.length));
  if (args.holdout === 'none') {
    if (external.length === 0 && !args.load) {
      fail('--holdout none trains on every character and leaves nothing to test: add --runs <dir>');
    }
    return [[]];
  }
  return [args.holdout.split(',')];
}

function embedder(model, shifts = tta, nViews = views) {
  return (images) => embedInks(model, images, { size, shifts, views: nViews });
}

/** What a split tests on: its one-shot runs (written in the public layout and read back), pairs and images. */
function testSet(holdout, index, perAlphabet = runsPerAlphabet) {
  const { train, heldOut } = splitAlphabets(alphabets, holdout);
  const classes = train.flatMap((a) => a.characters);
  const sets = [];
  if (heldOut.length > 0) {
    const dir = path.join(out, 'runs', `holdout-${holdout.join('+')}`);
    rmSync(dir, { recursive: true, force: true });
    writeRuns(dir, makeRuns(heldOut, { runsPerAlphabet: perAlphabet, seed: 100 + index }));
    const relative = path.relative(process.cwd(), dir);
    sets.push({
      name: relative.startsWith('..') ? dir : relative,
      runs: readRuns(dir, { size, framing, inkSpread }),
    });
  }
  sets.push(...external);
  // Verification: half same-character pairs (two drawers), half different characters of one alphabet.
  const rand = random(200 + index);
  const images = [];
  const labels = [];
  const byChar = [];
  heldOut.forEach((a) =>
    a.characters.forEach((c) => {
      byChar.push({ alphabet: a, start: images.length, n: c.drawings.length });
      c.drawings.forEach((d) => {
        images.push(d.ink);
        labels.push(byChar.length - 1);
      });
    }),
  );
  const pairs = { a: [], b: [], isSame: [] };
  for (let p = 0; heldOut.length > 0 && p < pairCount; p++) {
    const same = p % 2 === 0;
    const c1 = Math.floor(rand() * byChar.length);
    let c2 = c1;
    while (!same && c2 === c1) {
      const a = byChar[c1].alphabet;
      const first = byChar.findIndex((c) => c.alphabet === a);
      c2 = first + Math.floor(rand() * a.characters.length);
    }
    const i = byChar[c1].start + Math.floor(rand() * byChar[c1].n);
    let j = byChar[c2].start + Math.floor(rand() * byChar[c2].n);
    while (j === i) j = byChar[c2].start + Math.floor(rand() * byChar[c2].n);
    pairs.a.push(i);
    pairs.b.push(j);
    pairs.isSame.push(same);
  }
  // The table's one-shot column: the held-out split's own runs, else the first --runs folder.
  const tableSet = sets[0]?.name;
  return { holdout, classes, sets, tableSet, images, labels, pairs };
}

/**
 * The training samples of a split: each character's drawings, and with `--rotations` R > 1 its
 * R − 1 other dihedral transforms (quarter turns, then mirrored) as identities of their own.
 * `group`: the alphabet, for alphabet-aware batches.
 */
function trainingSamples(split) {
  const samples = [];
  const alphabetOf = new Map(alphabets.map((a, i) => [a.name, i]));
  split.classes.forEach((c, k) => {
    const group = alphabetOf.get(c.name.split('/')[0]);
    for (let r = 0; r < rotations; r++) {
      for (const d of c.drawings) {
        const ink = r === 0 ? d.ink : rotateInk(d.ink, size, r % 4, r >= 4);
        const strokes = strokesByImage.get(`${c.name}/${d.file}`) ?? null;
        samples.push({
          ink,
          label: k * rotations + r,
          group,
          strokes,
          rotation: r,
        });
      }
    }
  });
  return samples;
}

/** Trains one head on the split's training characters; returns the built model and per-epoch loss. */
async function train(headName, split, seed) {
  const numClasses = split.classes.length * rotations;
  const samples = trainingSamples(split);
  const steps = Math.floor(samples.length / batchSize);
  const built = buildModel(headName, {
    backboneKind,
    size,
    width,
    depth,
    embeddingSize,
    dropout,
    numClasses,
    scale,
    margin: marginOf(headName),
    seed,
    weightDecay,
  });
  const rand = random(seed + 17);
  const pixels = size * size;
  const classifier = built.spec.pair === undefined && built.spec.precomputed !== true;
  // Alphabet-aware batches: --per-class drawings of each of batch / per-class characters, all from
  // one alphabet (more where it holds fewer characters).
  // Pair and proxy losses need positives in every batch: m-per-class batches (groups or not).
  const mPerClass = groups || built.spec.pair !== undefined || built.spec.precomputed === true;
  const sampler = mPerClass
    ? data.classBalancedSampler(
        samples.map((x) => x.label),
        {
          samplesPerClass: perClass,
          classesPerBatch: batchSize / perClass,
          batchesPerEpoch: steps,
          ...(groups ? { groups: samples.map((x) => x.group) } : {}),
          seed: seed + 19,
        },
      )
    : null;
  // One generator for the whole fit (fitDataset with batchesPerEpoch does not restart it): a fresh
  // shuffle and fresh distortions every epoch, all from the seed. A resumed fit starts at its epoch,
  // with the generator and the sampler where the checkpoint left them.
  let initialEpoch = 0;
  const dataset = tf.data.generator(function* () {
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      const batches = sampler
        ? [...sampler.epoch()].map((idx) => Array.from(idx, (i) => samples[i]))
        : Array.from({ length: steps }, (_, b) => b);
      const order = sampler ? null : shuffled(samples, rand);
      for (let b = 0; b < steps; b++) {
        const batch = sampler ? batches[b] : order.slice(b * batchSize, (b + 1) * batchSize);
        const x = new Float32Array(batchSize * pixels);
        const label = new Int32Array(batchSize);
        for (let i = 0; i < batchSize; i++) {
          const s = batch[i];
          let ink = s.ink;
          if (s.strokes !== null && strokeRate > 0 && rand() < strokeRate) {
            ink = renderStrokes(s.strokes, size, rand);
            if (s.rotation > 0) ink = rotateInk(ink, size, s.rotation % 4, s.rotation >= 4);
          }
          if (augment) randomAffine(ink, x.subarray(i * pixels, (i + 1) * pixels), size, rand, affineRanges);
          else x.set(ink, i * pixels);
          label[i] = s.label;
        }
        const image = tf.tensor4d(x, [batchSize, size, size, 1]);
        // Pair losses and ProxyAnchor take the labels as targets (precomputedLoss ignores them).
        const ys = classifier
          ? tf.tidy(() => tf.oneHot(tf.tensor1d(label, 'int32'), numClasses).toFloat())
          : tf.tensor2d(Float32Array.from(label), [batchSize, 1]);
        yield {
          xs: built.spec.labels ? [image, tf.tensor2d(Float32Array.from(label), [batchSize, 1])] : image,
          ys,
        };
      }
    }
  });
  // The default preset: insightface's SGD + momentum 0.9 at lr 0.1 (--optimizer adam for Adam).
  const optimizer = optimizerName === 'sgd' ? tf.train.momentum(learningRate, 0.9) : tf.train.adam(learningRate);
  built.model.compile({
    optimizer,
    loss:
      built.spec.pair?.({ tripletMining: args['triplet-mining'] }) ??
      (classifier ? losses.softmaxCrossEntropy : losses.precomputedLoss),
    ...(classifier ? { metrics: ['accuracy'] } : {}),
  });
  const schedule = callbacks.cosineDecay({
    learningRate,
    warmupSteps: Math.min(steps, 200),
    totalSteps: steps * epochs,
  });
  const cbs = [schedule, callbacks.progressLogger()];
  const state = { schedule, augmentation: rand, ...(sampler ? { sampler } : {}) };
  if (built.spec.warmup) {
    state.warmup = callbacks.marginWarmup({ head: built.head, warmupSteps: steps });
    cbs.push(state.warmup);
  }
  const name = `${split.holdout.length ? split.holdout.join('+').replace(/[^A-Za-z0-9_.-]+/g, '_') : 'all'}-${headName}-seed${seed}`;
  const resumed = await resumable(args.checkpoint, name, { resume: args.resume, model: built.model, state }).catch(
    (err) => fail(err.message),
  );
  initialEpoch = resumed.initialEpoch;
  if (resumed.saver) cbs.push(resumed.saver); // last: it saves what the others did in the epoch
  const history = await built.model.fitDataset(dataset, {
    epochs,
    initialEpoch,
    batchesPerEpoch: steps,
    verbose: 0,
    callbacks: cbs,
  });
  optimizer.dispose();
  return {
    built,
    loss: history.history.loss,
    trainAccuracy: history.history.acc?.at(-1) ?? null,
  };
}

/** One-shot error per runs folder, verification and retrieval on the held-out images. */
async function evaluate(model, split, shifts = tta, nViews = views) {
  const embed = embedder(model, shifts, nViews);
  const oneShot = {};
  for (const set of split.sets) oneShot[set.name] = await oneShotErrors(set.runs, embed, { center });
  if (split.images.length === 0) return { oneShot };
  const e = await embed(split.images);
  const a = split.pairs.a.map((i) => e[i]);
  const b = split.pairs.b.map((i) => e[i]);
  const scores = pairCosines(a, b);
  const curve = metrics.roc(scores, split.pairs.isSame);
  const retrieval = metrics.retrieval(e, split.labels);
  return {
    oneShot,
    verificationAccuracy: metrics.verification(a, b, split.pairs.isSame).accuracy.mean,
    tarAtFar1e2: metrics.tarAtFar(scores, split.pairs.isSame, 1e-2).tar,
    auc: curve.auc,
    eer: curve.eer,
    precisionAt1: retrieval.precisionAt1,
    mapAtR: retrieval.mapAtR,
    roc: { fpr: Array.from(curve.fpr), tpr: Array.from(curve.tpr) },
  };
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;

/** `one-shot <head>: error x.x% (20-way, n runs)` per head for one runs folder, `± std` over trainings. */
function oneShotLines(results, setName) {
  console.log(`\nruns folder ${setName}:`);
  for (const [head, r] of Object.entries(results)) {
    const perTraining = r.trainings.map((t) => t.oneShot[setName]).filter(Boolean);
    if (perTraining.length === 0) continue;
    const means = perTraining.map((errs) => meanStd(errs).mean);
    const { mean, std } = meanStd(means);
    const ways = r.ways[setName];
    const spread = means.length > 1 ? ` ± ${(100 * std).toFixed(1)}` : '';
    console.log(
      `one-shot ${head}: error ${(100 * mean).toFixed(1)}% (${ways}-way, ${perTraining[0].length} runs)${spread}`,
    );
  }
}

const results = {};
if (args.load) {
  // Evaluate saved embedders on --runs (or on the held-out split they were trained for), no training.
  const heads = readdirSync(out).filter(
    (h) => existsSync(path.join(out, h, 'embedder', 'model.json')) && (args.heads === 'all' || headNames.includes(h)),
  );
  if (heads.length === 0) fail(`--load ${out}: no <head>/embedder/model.json there`);
  for (const head of heads) {
    const meta = JSON.parse(readFileSync(path.join(out, head, 'meta.json'), 'utf8'));
    if (meta.size !== size) fail(`--load: ${head} was trained at --size ${meta.size}; pass --size ${meta.size}`);
    if ((meta.framing ?? 'frame') !== framing)
      fail(
        `--load: ${head} was trained with --framing ${meta.framing ?? 'frame'}; pass --framing ${meta.framing ?? 'frame'}`,
      );
    if (framing === 'ink' && (meta.inkSpread ?? INK_SPREAD) !== inkSpread)
      fail(
        `--load: ${head} was trained with --ink-spread ${meta.inkSpread ?? INK_SPREAD}; pass --ink-spread ${meta.inkSpread ?? INK_SPREAD}`,
      );
    const model = await loadModel(path.join(out, head, 'embedder'));
    // The split's own runs as many as it was judged on, unless --dev-runs asks for more (or fewer).
    const perAlphabet = args['dev-runs'] === undefined ? meta.runsPerAlphabet : runsPerAlphabet;
    const split = orFail(() => testSet(external.length > 0 ? [] : meta.holdout, meta.splitIndex, perAlphabet));
    const ways = Object.fromEntries(split.sets.map((s) => [s.name, s.runs[0].training.length]));
    // A saved model is judged with the test-time shifts it was trained for, unless --tta says otherwise.
    const shifts = args.tta === undefined ? (meta.tta ?? 1) : tta;
    const nViews = args.views === undefined ? (meta.views ?? 1) : views;
    results[head] = { trainings: [await evaluate(model, split, shifts, nViews)], ways };
    model.dispose();
  }
  for (const set of Object.keys(results[heads[0]].ways)) oneShotLines(results, set);
  process.exit(0);
}

const splits = orFail(() => holdouts().map((h, i) => testSet(h, i)));
console.log(
  `${alphabets.reduce((n, a) => n + a.characters.length, 0)} characters in ${alphabets.length} alphabets; ` +
    splits
      .map(
        (s) =>
          `split ${s.holdout.length ? `holding out ${s.holdout.join(', ')}` : 'on all'}: ${s.classes.length} characters` +
          (rotations > 1
            ? ` × ${rotations} rotations = ${s.classes.length * rotations} training identities`
            : ' (training identities)'),
      )
      .join('; '),
);
console.log(
  `preset ${presetName}: ${{ resnet: 'ResNet, ', 'resnet-pool': 'ResNet (pool inside the block), ', mlp: 'MLP, ' }[backboneKind] ?? ''}width ${width}${depth !== 3 ? `, ${depth} conv blocks` : ''}, ${dropout > 0 ? `dropout ${dropout}` : 'no dropout'}, ${epochs} epochs, batch ${batchSize}` +
    `${groups ? ` (${batchSize / perClass} characters of one alphabet × ${perClass})` : ''}, ${optimizerName} ${learningRate}` +
    `${weightDecay > 0 ? `, L2 ${weightDecay}` : ''}, ${augment ? `random affine augmentation${affineFactor !== 1 ? ` ×${affineFactor}` : ''}${elasticText}` : 'no augmentation'}` +
    `${strokeRate > 0 ? `, ${strokeRate} of images re-drawn from jittered strokes` : ''}` +
    `${tta > 1 ? `, test-time average of ${tta} shifts` : ''}${views > 1 ? ` × ${views} views` : ''}` +
    `${framing === 'ink' ? `, each drawing framed about its ink${spreadText}` : ''}${marginsText ? `; ${marginsText}` : ''}`,
);
{
  // What the run will cost: training time grows with images × epochs (measured for the presets on a
  // 2-core machine with the fast path; docs/omniglot-benchmark.md), plus a few seconds of evaluation.
  const perSplit = splits.map(
    (s) =>
      estimateSeconds({
        images: 20 * s.classes.length * rotations,
        epochs,
        width,
        backbone: backboneKind,
      }) + 5,
  );
  const perHead = seeds * perSplit.reduce((a, b) => a + b, 0);
  const n = headNames.length * seeds * splits.length;
  console.log(
    `will train ${headNames.length} head(s) (${headNames.join(', ')}) × ${seeds} seed(s) × ${splits.length} split(s) = ${n} training(s), ` +
      `about ${Math.round(perSplit[0])} s each: expect about ${Math.ceil((headNames.length * perHead) / 60)} min` +
      `${backboneKind !== 'mlp' && fastPath.status().active ? '' : ' (estimated for tfjs-node with the fast path; this backend is slower)'}`,
  );
}
// --dry-run: the recipe, the plan and its expected time, then stop before any training.
if (args['dry-run']) process.exit(0);

for (const head of headNames) {
  const trainings = [];
  const ways = {};
  for (const [si, split] of splits.entries()) {
    for (let k = 0; k < seeds; k++) {
      const seed = baseSeed + 1000 * k;
      const started = Date.now();
      console.log(
        `\n== ${HEADS[head].title} (${HEADS[head].paper}), ${split.holdout.length ? `held out: ${split.holdout.join(', ')}` : 'all characters'}, seed ${seed}`,
      );
      const { built, loss, trainAccuracy } = await train(head, split, seed);
      const r = await evaluate(built.embedder, split);
      r.seconds = (Date.now() - started) / 1000;
      if (trainings.length > 0) delete r.roc; // the ROC figure draws each head's first training
      r.loss = loss;
      r.trainAccuracy = trainAccuracy;
      r.split = si;
      r.seed = seed;
      trainings.push(r);
      for (const set of split.sets) ways[set.name] = set.runs[0].training.length;
      const shots = Object.entries(r.oneShot)
        .map(([, errs]) => pct(meanStd(errs).mean))
        .join(' / ');
      console.log(
        `   one-shot error ${shots}` +
          (r.auc === undefined
            ? ''
            : `, verification ${pct(r.verificationAccuracy)}, AUC ${r.auc.toFixed(3)}, P@1 ${r.precisionAt1.toFixed(3)}`) +
          ` (${r.seconds.toFixed(0)} s)`,
      );
      if (trainings.length === 1) {
        const dir = path.join(out, head);
        mkdirSync(dir, { recursive: true });
        await saveModel(built.embedder, path.join(dir, 'embedder'));
        const meta = {
          head,
          size,
          framing,
          ...(framing === 'ink' ? { inkSpread } : {}),
          embeddingSize,
          backbone: backboneKind,
          holdout: split.holdout,
          splitIndex: si,
          seed,
          runsPerAlphabet,
          tta,
          views,
        };
        writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`);
      }
      built.model.dispose();
    }
  }
  results[head] = { trainings, ways };
  // Written after every head, so a long run that is stopped keeps what it finished.
  writeFileSync(path.join(out, 'results.partial.json'), `${JSON.stringify({ args, results }, null, 1)}\n`);
}
rmSync(path.join(out, 'results.partial.json'), { force: true });

const setNames = [...new Set(headNames.flatMap((h) => Object.keys(results[h].ways)))];
for (const set of setNames) oneShotLines(results, set);

// The table: one-shot error per split, paired difference from softmax, other metrics over all trainings.
const splitInfo = splits.map((sp) => ({
  holdout: sp.holdout,
  tableSet: sp.tableSet,
}));
const table = makeTable(results, splitInfo);
const held = splits.some((sp) => sp.holdout.length > 0);
console.log(`\n${table}\n`);

const command = `npm run example --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const setting =
  `${tf.getBackend()} backend, ${backboneKind} backbone, ${size}×${size} input${framing === 'ink' ? ` framed about the ink${spreadText}` : ''}, ${embeddingSize}-d BN embedding, ` +
  `preset ${presetName}, width ${width}${depth !== 3 ? `, ${depth} conv blocks` : ''}, ${dropout > 0 ? `dropout ${dropout}` : 'no dropout'}, ${epochs} epochs, batch ${batchSize}${groups ? ` (alphabet-aware, ${perClass} per character)` : ''}, ` +
  `${optimizerName === 'sgd' ? 'SGD momentum 0.9' : 'Adam'} ${learningRate} with cosine decay${weightDecay > 0 ? `, L2 ${weightDecay}` : ''}, ` +
  `${rotations > 1 ? `${rotations} rotations per character as identities, ` : ''}${strokeRate > 0 ? `${strokeRate} of images re-drawn from jittered strokes, ` : ''}${tta > 1 ? `test-time average over ${tta} shifts, ` : ''}${views > 1 ? `${views} test-time views (quarter turns${views === 8 ? ' and mirror images' : ''}) side by side, ` : ''}` +
  `${augment ? `random affine augmentation${elasticText}` : 'no augmentation'}${marginsText ? `, ${marginsText}` : ''}; fast path ${fastPath.status().active ? 'on' : 'off'}; ${splits.length} split(s) × ${seeds} seed(s), mean ± std over trainings; ` +
  `one-shot: ${runsPerAlphabet} 20-way runs per held-out alphabet${center === 'support' ? ', cosine about the support mean' : ''}; verification: ${pairCount} pairs (10 folds)`;
const seconds = (Date.now() - t0) / 1000;
writeFileSync(
  path.join(out, 'results.md'),
  `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (${setting}; ${seconds.toFixed(0)} s).\n\n${table}\n`,
);
writeFileSync(
  path.join(out, 'results.json'),
  `${JSON.stringify({ command, setting, seconds, splits: splitInfo, results }, null, 1)}\n`,
);

if (args.figures !== 'false' && held) {
  const titles = Object.fromEntries(headNames.map((h) => [h, HEADS[h].title]));
  await render(
    rocSpec(
      headNames.flatMap((h) => {
        const roc = results[h].trainings[0].roc;
        return roc.fpr.map((fpr, i) => ({
          head: titles[h],
          fpr,
          tpr: roc.tpr[i],
        }));
      }),
      'Verification ROC on alphabets never seen in training (first training of each head)',
    ),
    path.join(out, 'roc'),
  );
  await render(
    oneShotSpec(
      headNames.flatMap((h) =>
        results[h].trainings.map((t) => ({
          head: titles[h],
          split: splits[t.split].holdout.join(' + '),
          error: 100 * meanStd(t.oneShot[splits[t.split].tableSet]).mean,
        })),
      ),
      headNames.map((h) => titles[h]),
      '20-way one-shot error on held-out alphabets (bar: mean over seeds; ticks: each training)',
    ),
    path.join(out, 'one-shot'),
  );
  console.log(`figures: ${path.join(out, 'roc.png')}, ${path.join(out, 'one-shot.png')} (+ .svg)`);
}
console.log(
  `results: ${path.join(out, 'results.md')}, results.json; models: ${path.join(out, '<head>', 'embedder')} (${seconds.toFixed(0)} s in all)`,
);
