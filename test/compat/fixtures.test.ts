import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { version } from 'tfjs-margin';

/**
 * Serialization compatibility: models saved by every released version (committed under
 * test/fixtures/models/v<version>/, written by scripts/make-fixtures.mjs) must keep loading with the
 * current code and give the outputs recorded when they were saved.
 */
const root = path.resolve(__dirname, '../fixtures/models');
const versions = readdirSync(root).filter((v) => v.startsWith('v'));

interface Expected {
  inputs: { x: number[][]; labels: number[][] | null };
  output: number[][];
}

function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const bin = readFileSync(path.join(dir, 'weights.bin'));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      };
    },
  };
}

describe('[compat] saved models of every version load', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it(`the fixtures include this version (v${version})`, () => {
    expect(versions).toContain(`v${version}`);
  });

  for (const v of versions) {
    for (const name of readdirSync(path.join(root, v))) {
      it(`${v}/${name} loads and reproduces its recorded output`, async () => {
        const dir = path.join(root, v, name);
        const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
        const model = await tf.loadLayersModel(fileHandler(dir));
        const x = tf.tensor2d(expected.inputs.x);
        const inputs = expected.inputs.labels === null ? [x] : [x, tf.tensor2d(expected.inputs.labels)];
        const out = model.predict(inputs) as tf.Tensor;
        const actual = (await out.array()) as number[][];
        tf.dispose([out, ...inputs]);
        model.dispose();
        expect(actual.length).toBe(expected.output.length);
        actual.flat().forEach((a, i) => expect(a).toBeCloseTo(expected.output.flat()[i]!, 5));
      });
    }
  }
});
