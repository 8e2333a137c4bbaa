// model.save('file://…') and tf.loadLayersModel('file://…') come from tfjs-node. When it does not load
// (the wasm fallback), the same model.json + weights.bin layout is written and read here, so models
// saved either way load either way.
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const hasFileHandlers = () => tf.io.getSaveHandlers('file://probe').length > 0;

/** Saves a LayersModel to `dir` as model.json + weights.bin. */
export async function saveModel(model, dir) {
  if (hasFileHandlers()) return model.save(`file://${dir}`);
  mkdirSync(dir, { recursive: true });
  return model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(artifacts.weightData));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads a LayersModel saved by {@link saveModel} (or by tfjs-node) from `dir`. */
export async function loadModel(dir) {
  if (hasFileHandlers()) return tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const buffers = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(path.join(dir, p))));
  const data = Buffer.concat(buffers);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  );
}
