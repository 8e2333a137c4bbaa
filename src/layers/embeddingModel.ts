import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { MarginSoftmaxHead } from './marginSoftmaxHead';
import { NormalizedDense } from './normalizedDense';
import { PartialFC } from './partialFC';

/**
 * The sub-model from a trained classifier's first input (the image or feature input) to the
 * embedding its head consumes — what verification and search use after training.
 *
 * The head is the model's margin head (any {@link MarginSoftmaxHead} or {@link PartialFC}) or, failing that, its last
 * {@link NormalizedDense}; name another layer with `headName`.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.arcFace({ numClasses: 3, scale: 16, margin: 0.3 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * const embedder = layers.embeddingModel(model); // image → embedding
 * const embeddings = embedder.predict(tf.randomNormal([2, 8])) as tf.Tensor; // [2, 4]
 * ```
 */
export function embeddingModel(model: tfl.LayersModel, options: { headName?: string } = {}): tfl.LayersModel {
  const where = 'layers.embeddingModel';
  let head: tfl.layers.Layer | undefined;
  if (options.headName !== undefined) {
    head = model.layers.find((l) => l.name === options.headName);
    if (head === undefined) {
      throw new MarginArgumentError(
        where,
        'headName',
        `the name of a layer of the model (${model.layers.map((l) => l.name).join(', ')})`,
        options.headName,
      );
    }
  } else {
    head =
      model.layers.find((l) => l instanceof MarginSoftmaxHead || l instanceof PartialFC) ??
      [...model.layers].reverse().find((l) => l instanceof NormalizedDense);
    if (head === undefined) {
      throw new MarginArgumentError(
        where,
        'model',
        'a model containing a margin head, a PartialFC or a NormalizedDense layer',
        `layers ${model.layers.map((l) => l.getClassName()).join(', ')}`,
      );
    }
  }
  const input = head.getInputAt(0);
  const embedding = Array.isArray(input) ? input[0]! : input;
  return tfl.model({ inputs: model.inputs[0]!, outputs: embedding });
}
