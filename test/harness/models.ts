import * as tf from '@tensorflow/tfjs';
import { assert } from './assert';

/** Saves a model to memory: the artifacts `save('file://')` and `indexeddb://` would write. */
export async function savedArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  assert(artifacts !== null, 'save handler was not called');
  return artifacts;
}

/** Saves a model to memory and loads it back: the same path `save('file://')` and `indexeddb://` take. */
export async function roundTrip(
  model: tf.LayersModel,
): Promise<{ loaded: tf.LayersModel; artifacts: tf.io.ModelArtifacts }> {
  const artifacts = await savedArtifacts(model);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { loaded, artifacts };
}

/** Shape of {@link headModel}'s backbone. */
export interface BackboneSpec {
  /** Width of the image input. */
  inputDim: number;
  /** Embedding width of a seeded linear dense layer; omitted: the head sees the input itself. */
  embedding?: { units: number; seed: number };
  /** A seeded ReLU layer before the embedding. */
  hidden?: { units: number; seed: number };
}

/**
 * `[image, label] → head([embedding, label])`: the model shape every head spec trains, with seeded
 * dense layers so runs repeat.
 */
export function headModel(head: tf.layers.Layer, spec: BackboneSpec): tf.LayersModel {
  const image = tf.input({ shape: [spec.inputDim] });
  const label = tf.input({ shape: [1] });
  let x: tf.SymbolicTensor = image;
  if (spec.hidden !== undefined) {
    const { units, seed } = spec.hidden;
    x = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
      .apply(x) as tf.SymbolicTensor;
  }
  if (spec.embedding !== undefined) {
    const { units, seed } = spec.embedding;
    x = tf.layers
      .dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed }) })
      .apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: [image, label], outputs: head.apply([x, label]) as tf.SymbolicTensor });
}
