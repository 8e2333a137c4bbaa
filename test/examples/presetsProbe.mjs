// The presets' expected cost (examples/omniglot/presets.mjs) on the bundled data, printed as JSON for
// the jest spec: the same estimate the example prints before it trains, per training on the first
// development split (what `npm run example` trains), the largest one, and all 242 characters
// (`--holdout none`).
import { AUTO_SPLITS, countDrawings, loadOmniglot, splitAlphabets } from '../../examples/omniglot/omniglot.mjs';
import { estimateSeconds, PRESETS } from '../../examples/omniglot/presets.mjs';

const alphabets = loadOmniglot();
const perSplit = AUTO_SPLITS.map((holdout) => countDrawings(splitAlphabets(alphabets, holdout).train));
const images = { firstSplit: perSplit[0], largestSplit: Math.max(...perSplit), all: countDrawings(alphabets) };
const out = {};
for (const [name, p] of Object.entries(PRESETS)) {
  out[name] = { headline: p.headline.length };
  for (const [where, n] of Object.entries(images))
    out[name][where] = estimateSeconds({
      images: n * p.rotations,
      epochs: p.epochs,
      width: p.width,
      backbone: p.backbone,
    });
}
console.log(JSON.stringify({ images, presets: out }));
