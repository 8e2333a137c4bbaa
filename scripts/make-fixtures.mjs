// node scripts/make-fixtures.mjs
//
// Saves one small model per serializable layer of this version to
// test/fixtures/models/v<version>/<name>/{model.json, weights.bin, expected.json}. The fixtures are
// committed and never regenerated for an old version: test/compat/fixtures.test.ts loads every
// version's models with the current code and requires the recorded outputs, so a change that breaks
// loading of models users already saved fails CI.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as margin from 'tfjs-margin';

const { layers, version } = margin;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'test/fixtures/models', `v${version}`);

const LAMBDA = { base: 1000, gamma: 0.12, power: 1, min: 5 };
const MODELS = {
  normalizedDense: { labels: false, make: () => layers.normalizedDense({ units: 3, scale: 4, seed: 1 }) },
  normalizedDenseLearnScale: {
    labels: false,
    make: () => layers.normalizedDense({ units: 3, scale: 4, learnScale: true, normalizeInputs: false, seed: 2 }),
  },
  temperatureSoftmax: { labels: false, make: () => layers.temperatureSoftmax({ temperature: 2, learnable: true }) },
  l2Normalization: { labels: false, make: () => layers.l2Normalization({ axis: -1 }) },
  largeMarginSoftmax: {
    labels: true,
    make: () => layers.largeMarginSoftmax({ numClasses: 3, margin: 2, lambda: LAMBDA, seed: 3 }),
  },
  sphereFace: { labels: true, make: () => layers.sphereFace({ numClasses: 3, margin: 3, scale: 2, seed: 4 }) },
  cosFace: { labels: true, make: () => layers.cosFace({ numClasses: 3, margin: 0.35, scale: 8, seed: 5 }) },
  arcFace: {
    labels: true,
    make: () => layers.arcFace({ numClasses: 3, margin: 0.5, scale: 8, easyMargin: true, seed: 6 }),
  },
  combinedMargin: {
    labels: true,
    make: () => layers.combinedMargin({ numClasses: 3, m1: 0.9, m2: 0.4, m3: 0.15, scale: 8, seed: 7 }),
  },
  subCenterArcFace: {
    labels: true,
    make: () => layers.subCenterArcFace({ numClasses: 3, subCenters: 2, margin: 0.5, scale: 8, seed: 8 }),
  },
};

await tf.setBackend('cpu');
const x = tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5, 0.1, -2, 1, 1, -1, 0.3], [3, 4]);
const y = tf.tensor2d([0, 2, 1], [3, 1]);
for (const [name, spec] of Object.entries(MODELS)) {
  const input = tf.input({ shape: [4] });
  const label = tf.input({ shape: [1] });
  const layer = spec.make();
  const model = spec.labels
    ? tf.model({ inputs: [input, label], outputs: layer.apply([input, label]) })
    : tf.model({ inputs: input, outputs: layer.apply(input) });
  const inputs = spec.labels ? [x, y] : [x];
  const out = model.predict(inputs);
  const expected = {
    inputs: { x: await x.array(), labels: spec.labels ? await y.array() : null },
    output: await out.array(),
  };
  const dir = path.join(outDir, name);
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const { weightData, ...rest } = a;
      writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }, null, 1) +
          '\n',
      );
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  writeFileSync(path.join(dir, 'expected.json'), JSON.stringify(expected) + '\n');
  out.dispose();
  model.dispose();
  console.log(`wrote ${path.relative(root, dir)}`);
}
