// The recipe study behind the presets (docs/omniglot-benchmark.md, "Recipe study"): trains the example
// under named configurations, one at a time (2 cores: one training at a time), keeps each one's
// results.json (without ROC curves) in docs/recipe-study/<stage>/<config>.json, and prints the table:
// per configuration and head, one-shot error mean ± std over trainings, paired Δ against softmax with
// its sign count, and seconds per training.
//
//   node examples/omniglot/study.mjs <stage> [--only name,name] [--table]   # --table: re-print only
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { meanStd } from './report.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..', '..');
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { only: { type: 'string' }, table: { type: 'boolean', default: false } },
});

// The screen fixes --tta 1 and --strokes 0 (the levers it tests separately) whatever the preset says.
const H3 = '--heads softmax,arcface,cosface --tta 1';
/** Stages: name → [config name, flags]. Each adds one lever to the previous best (see the docs). */
const STAGES = {
  // One lever at a time from the old default, on 2 splits × 1 seed (a screen, not a verdict).
  screen: [
    ['base', `${H3} --splits 2 --rotations 1 --groups false`],
    ['rot4', `${H3} --splits 2 --rotations 4 --groups false`],
    ['groups', `${H3} --splits 2 --rotations 1 --groups true`],
    ['w32', `${H3} --splits 2 --rotations 1 --groups false --width 32`],
    ['ep40', `${H3} --splits 2 --rotations 1 --groups false --epochs 40`],
    ['strokes', `${H3} --splits 2 --rotations 1 --groups false --strokes 0.5`],
  ],
  // The default preset on the development protocol: 4 splits (all 8 alphabets held out once) × 3 seeds,
  // 30 runs per held-out alphabet; paired Δ against softmax.
  dev: [['default', '--preset default --heads softmax,arcface --splits 4 --seeds 3 --dev-runs 30']],
  // The pair and proxy losses (#26) beside softmax with the default preset (m-per-class batches for
  // them): 4 splits × 1 seed, every alphabet held out once, 30 runs per alphabet.
  pair: [
    [
      'default',
      '--preset default --heads softmax,triplet,multisimilarity,supcon,proxyanchor --splits 4 --seeds 1 --dev-runs 30',
    ],
    // The triplet loss over all triplets (semi-hard mining's loss reached 0 in 'default'); its Δ is
    // paired with 'default''s softmax trainings (same splits, seeds and runs).
    ['triplet-all', '--preset default --heads triplet --triplet-mining all --splits 4 --seeds 1 --dev-runs 30'],
  ],
};

const stage = positionals[0];
if (!(stage in STAGES)) {
  console.error(`usage: node examples/omniglot/study.mjs <${Object.keys(STAGES).join('|')}> [--only a,b] [--table]`);
  process.exit(2);
}
const dir = path.join(root, 'docs', 'recipe-study', stage);
mkdirSync(dir, { recursive: true });
const only = args.only?.split(',');

if (!args.table) {
  for (const [name, flags] of STAGES[stage]) {
    if (only && !only.includes(name)) continue;
    const out = path.join(root, 'examples', 'out', 'study', stage, name);
    const argv = [path.join(here, 'train.mjs'), ...flags.split(' '), '--out', out, '--figures', 'false'];
    console.log(`\n### ${stage}/${name}: node examples/omniglot/train.mjs ${flags}`);
    const started = Date.now();
    const r = spawnSync(process.execPath, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      console.error(`${name} failed (${r.status})`);
      continue;
    }
    const json = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    for (const head of Object.values(json.results)) for (const t of head.trainings) delete t.roc;
    json.flags = flags;
    json.wallSeconds = (Date.now() - started) / 1000;
    writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(json)}\n`);
  }
}

/** The table of every finished configuration of the stage. */
function table() {
  const rows = [];
  for (const [name, flags] of STAGES[stage]) {
    const file = path.join(dir, `${name}.json`);
    if (!existsSync(file)) continue;
    const { results, splits } = JSON.parse(readFileSync(file, 'utf8'));
    const errorOf = (t) => meanStd(t.oneShot[splits[t.split].tableSet]).mean;
    // A configuration without softmax pairs with the stage's first one (same splits, seeds and runs;
    // its runs folders carry its own output path, hence its own errorOf).
    const first = path.join(dir, `${STAGES[stage][0][0]}.json`);
    let softmax = results.softmax;
    let softmaxError = errorOf;
    if (softmax === undefined && existsSync(first)) {
      const other = JSON.parse(readFileSync(first, 'utf8'));
      softmax = other.results.softmax;
      softmaxError = (t) => meanStd(t.oneShot[other.splits[t.split].tableSet]).mean;
    }
    const base = new Map((softmax?.trainings ?? []).map((t) => [`${t.split}/${t.seed}`, softmaxError(t)]));
    for (const [head, r] of Object.entries(results)) {
      // Splits differ far more than seeds: the error per split (mean over its seeds), then the mean.
      const perSplit = splits.map((_, si) => r.trainings.filter((t) => t.split === si).map(errorOf));
      const splitText = perSplit.map((e) => (e.length ? (100 * meanStd(e).mean).toFixed(1) : '–')).join(' / ');
      const { mean } = meanStd(r.trainings.map(errorOf));
      const diffs = r.trainings.map((t) => errorOf(t) - base.get(`${t.split}/${t.seed}`)).filter(Number.isFinite);
      const d = meanStd(diffs);
      const delta =
        head === 'softmax' || diffs.length === 0
          ? '–'
          : `${d.mean > 0 ? '+' : ''}${(100 * d.mean).toFixed(1)} ± ${(100 * d.std).toFixed(1)} (${diffs.filter((x) => x < 0).length}/${diffs.length})`;
      const secs = meanStd(r.trainings.map((t) => t.seconds)).mean;
      const shown = flags.replace(H3, '').trim();
      rows.push(
        `| ${name} | ${head} | ${splitText} | ${(100 * mean).toFixed(1)} | ${delta} | ${r.trainings.length} | ${secs.toFixed(0)} | \`${shown}\` |`,
      );
    }
  }
  return [
    '| config | head | one-shot error % per split | mean | Δ vs softmax, points (better/all) | trainings | s / training | flags |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

const text = table();
writeFileSync(path.join(dir, 'table.md'), `${text}\n`);
console.log(`\n${text}`);
