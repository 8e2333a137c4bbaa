// The embedding network and the heads compared by the example.
import * as tf from '@tensorflow/tfjs';
import { layers } from 'tfjs-margin';

const init = (seed) => tf.initializers.glorotUniform({ seed });

/** image [784] -> embedding [D]: a small CNN (or an MLP where conv gradients are missing, as on wasm). */
export function backbone(kind, embeddingSize, seed) {
  const image = tf.input({ shape: [784], name: 'image' });
  let h;
  if (kind === 'cnn') {
    h = tf.layers.reshape({ targetShape: [28, 28, 1] }).apply(image);
    h = tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed) }).apply(h);
    h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h);
    h = tf.layers
      .conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed + 1) })
      .apply(h);
    h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h);
    h = tf.layers.flatten().apply(h);
  } else {
    h = tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: init(seed) }).apply(image);
  }
  h = tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(seed + 2) }).apply(h);
  const embedding = tf.layers
    .dense({ units: embeddingSize, name: 'embedding', kernelInitializer: init(seed + 3) })
    .apply(h);
  return { image, embedding };
}

// The original L-Softmax/SphereFace recipe anneals λ from 1000 to 5 (their paper's "λ_min = 5"), faster
// here because the runs are short.
const anneal = { base: 1000, gamma: 0.2, power: 1, min: 5 };

/** Head name -> how to build it. `labels`: the head takes [embedding, label] inputs. */
export const HEADS = {
  softmax: {
    title: 'softmax',
    paper: 'plain dense + softmax',
    labels: false,
    make: (c) => tf.layers.dense({ units: c, kernelInitializer: init(91) }),
  },
  normface: {
    title: 'NormFace',
    paper: 'Wang et al. 2017',
    labels: false,
    make: (c, s) => layers.normalizedDense({ units: c, scale: s, seed: 91 }),
  },
  lsoftmax: {
    title: 'L-Softmax',
    paper: 'Liu et al. 2016 (m = 2)',
    labels: true,
    make: (c) => layers.largeMarginSoftmax({ numClasses: c, margin: 2, lambda: anneal, seed: 91 }),
  },
  sphereface: {
    title: 'SphereFace',
    paper: 'Liu et al. 2017 (m = 4)',
    labels: true,
    make: (c) => layers.sphereFace({ numClasses: c, margin: 4, lambda: anneal, seed: 91 }),
  },
  cosface: {
    title: 'CosFace',
    paper: 'Wang et al. 2018 (m = 0.35)',
    labels: true,
    warmup: true,
    make: (c, s) => layers.cosFace({ numClasses: c, margin: 0.35, scale: s, seed: 91 }),
  },
  arcface: {
    title: 'ArcFace',
    paper: 'Deng et al. 2019 (m = 0.5)',
    labels: true,
    warmup: true,
    make: (c, s) => layers.arcFace({ numClasses: c, margin: 0.5, scale: s, seed: 91 }),
  },
};

/** A classifier with the given head on the backbone; `embedder` maps images to embeddings. */
export function buildModel(headName, { backboneKind, embeddingSize, numClasses, scale, seed }) {
  const spec = HEADS[headName];
  const { image, embedding } = backbone(backboneKind, embeddingSize, seed);
  const head = spec.make(numClasses, scale);
  let model;
  if (spec.labels) {
    const label = tf.input({ shape: [1], name: 'label' });
    model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) });
  } else {
    model = tf.model({ inputs: image, outputs: head.apply(embedding) });
  }
  const embedder = tf.model({ inputs: image, outputs: embedding });
  return { model, head, embedder, spec };
}

/** Margin-free logits for closed-set classification. */
export function classify(built, x) {
  return tf.tidy(() => {
    if (!built.spec.labels) return built.model.predict(x);
    return built.head.apply(built.embedder.predict(x));
  });
}
