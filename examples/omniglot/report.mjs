// The benchmark's table from its results. Splits differ far more in difficulty than seeds do, so the
// one-shot error is given per held-out split (mean ± std over seeds), and each head is compared with
// softmax on the same split and seed — a paired difference, whose spread is the seed-to-seed noise
// of the comparison itself.
//
//   node examples/omniglot/report.mjs examples/omniglot/results/results.json   # re-renders the table
import { readFileSync } from 'node:fs';
import { HEADS } from './models.mjs';

export function meanStd(v) {
  const mean = v.reduce((x, y) => x + y, 0) / v.length;
  return { mean, std: Math.sqrt(v.reduce((x, y) => x + (y - mean) ** 2, 0) / v.length) };
}

/**
 * A results file's trainings per head as {split, seed, error, seconds}: the one-shot error on the runs
 * folder its split's table reads (`tableSet`), as the recipe study and its curve compare them.
 */
export function trainingsByHead({ results, splits }) {
  const byHead = {};
  for (const [head, r] of Object.entries(results)) {
    byHead[head] = r.trainings.map((t) => ({
      split: t.split,
      seed: t.seed,
      error: meanStd(t.oneShot[splits[t.split].tableSet]).mean,
      seconds: t.seconds,
    }));
  }
  return byHead;
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;
const dec = (v) => v.toFixed(3);

function summary(values, f, fStd = f) {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return '–';
  const { mean, std } = meanStd(v);
  return v.length > 1 ? `${f(mean)} ± ${fStd(std).replace('%', '')}` : f(mean);
}

/**
 * Markdown table of `results` (`{head: {trainings: [{split, seed, oneShot, …}]}}`); `splits` lists each
 * split's name and the runs folder its one-shot column reads (`tableSet`).
 */
export function makeTable(results, splits) {
  const heads = Object.keys(results);
  const errorOf = (t) => {
    const errs = t.oneShot[splits[t.split].tableSet];
    return errs === undefined ? NaN : meanStd(errs).mean;
  };
  const held = splits.some((s) => s.holdout.length > 0);
  const splitName = (s) => (s.holdout.length ? `held out ${s.holdout.join(' + ')}` : 'one-shot');
  const paired = 'softmax' in results && heads.length > 1;
  const header = [
    'head',
    ...splits.map((s) => `${splitName(s)}: 20-way error`),
    ...(paired ? ['Δ error vs softmax, points (paired)'] : []),
    ...(held ? ['verification acc.', 'TAR@FAR=1e-2', 'AUC', 'EER', 'P@1', 'MAP@R'] : []),
    's / training',
  ];
  const base = new Map((results.softmax?.trainings ?? []).map((t) => [`${t.split}/${t.seed}`, errorOf(t)]));
  const rows = heads.map((h) => {
    const t = results[h].trainings;
    const col = (key, f) =>
      summary(
        t.map((x) => x[key]),
        f,
      );
    const signed = (v) => `${v > 0 ? '+' : ''}${(100 * v).toFixed(1)}`;
    const points = (v) => (100 * v).toFixed(1);
    const diffs = t.map((x) => errorOf(x) - (base.get(`${x.split}/${x.seed}`) ?? NaN)).filter(Number.isFinite);
    const wins = `${diffs.filter((d) => d < 0).length}/${diffs.length} better`;
    const delta = paired ? [h === 'softmax' ? '–' : `${summary(diffs, signed, points)} (${wins})`] : [];
    return [
      HEADS[h]?.title ?? h,
      ...splits.map((_, si) => summary(t.filter((x) => x.split === si).map(errorOf), pct)),
      ...delta,
      ...(held
        ? [
            col('verificationAccuracy', pct),
            col('tarAtFar1e2', pct),
            col('auc', dec),
            col('eer', pct),
            col('precisionAt1', dec),
            col('mapAtR', dec),
          ]
        : []),
      meanStd(t.map((x) => x.seconds)).mean.toFixed(0),
    ];
  });
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node examples/omniglot/report.mjs <results.json>');
    process.exit(2);
  }
  const { results, splits } = JSON.parse(readFileSync(file, 'utf8'));
  console.log(makeTable(results, splits));
}
