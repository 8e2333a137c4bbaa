// Reads a runs folder with examples/omniglot/runs.mjs and prints what the jest spec checks, as JSON:
// the runs' shapes, mean ink per image, and the one-shot errors of raw pixels as embeddings.
import { oneShotErrors, readRuns } from '../../examples/omniglot/runs.mjs';

const [dir, size = '28'] = process.argv.slice(2);
try {
  const runs = readRuns(dir, { size: Number(size) });
  const mean = (img) => img.reduce((a, b) => a + b, 0) / img.length;
  const errors = await oneShotErrors(runs, async (images) => images.map((img) => Array.from(img, (v) => v + 1e-3)));
  const summary = runs.map((r) => ({
    name: r.name,
    training: r.training.length,
    test: r.test.length,
    answers: r.answers,
    pixels: r.test[0].length,
    testInk: r.test.map(mean),
  }));
  console.log(JSON.stringify({ runs: summary, errors }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
}
