// The embedding network and the heads compared on Omniglot. Each head's settings are the recipe measured
// in README.md ("Choosing a head"): normalized heads at scale 30 (many classes, 128-d), the papers' margins.
import * as tf from '@tensorflow/tfjs';
import { layers, losses } from 'tfjs-margin';

const init = (seed) => tf.initializers.heNormal({ seed });

/**
 * image [size, size, 1] → embedding [D]. `cnn`: `depth` (3 or 4) conv–BN–ReLU–pool blocks of `width`, 2·`width`, 4·`width`
 * (and 4·`width`) filters and insightface's output
 * block (BN → dropout → flatten → FC → BN), so the embedding is batch-normalised as in
 * ArcFace's networks. `resnet`: the same stages, each a basic residual block (He et al. 2016: two 3×3
 * conv–BN with a ReLU between, plus a 1×1 conv–BN projection of the input, summed, ReLU) before its
 * pool — about 4× the plain stage's multiply-adds at one width, so width 16 costs what the plain width
 * 32 does. `resnet-pool`: the same blocks with the pool between their two convolutions. `mlp`: a
 * dense network for backends without conv filter gradients (wasm).
 */
export function backbone(kind, { size, width, depth = 3, embeddingSize, dropout, seed, weightDecay = 0 }) {
  const kernelRegularizer = weightDecay > 0 ? tf.regularizers.l2({ l2: weightDecay }) : undefined;
  const image = tf.input({ shape: [size, size, 1], name: 'image' });
  let h = image;
  const conv = (filters, kernelSize, initSeed) =>
    tf.layers.conv2d({
      filters,
      kernelSize,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(initSeed),
      kernelRegularizer,
    });
  const blocks = [width, 2 * width, 4 * width, 4 * width].slice(0, depth);
  if (kind === 'cnn') {
    for (const [i, filters] of blocks.entries()) {
      h = conv(filters, 3, seed + i).apply(h);
      h = tf.layers.batchNormalization().apply(h);
      h = tf.layers.reLU().apply(h);
      h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h);
    }
    h = tf.layers.batchNormalization().apply(h);
  } else if (kind === 'resnet' || kind === 'resnet-pool') {
    // `resnet-pool` pools between the block's two convolutions (the shortcut pools before its
    // projection, as ResNet-D's average-pool shortcut, He et al. 2019): the second convolution and the
    // projection see a quarter of the positions (5.0M multiply-adds at width 20 against the ResNet's
    // 7.6M at 16), though on a 2-core CPU it trains no faster than the ResNet (screen18).
    const poolInside = kind === 'resnet-pool';
    const pool = (x) => tf.layers.maxPooling2d({ poolSize: 2 }).apply(x);
    for (const [i, filters] of blocks.entries()) {
      // Seeds apart from the plain net's (seed + 0…3) and the FC's (seed + 5).
      const s0 = seed + 100 + 10 * i;
      let a = conv(filters, 3, s0).apply(h);
      a = tf.layers.batchNormalization().apply(a);
      a = tf.layers.reLU().apply(a);
      if (poolInside) a = pool(a);
      a = conv(filters, 3, s0 + 1).apply(a);
      a = tf.layers.batchNormalization().apply(a);
      // Every stage changes the channel count, so the shortcut is a projection.
      const shortcut = tf.layers.batchNormalization().apply(conv(filters, 1, s0 + 2).apply(poolInside ? pool(h) : h));
      h = tf.layers.reLU().apply(tf.layers.add().apply([a, shortcut]));
      if (!poolInside) h = pool(h);
    }
    h = tf.layers.batchNormalization().apply(h);
  } else {
    h = tf.layers.flatten().apply(h);
    h = tf.layers.dense({ units: 32 * width, useBias: false, kernelInitializer: init(seed) }).apply(h);
    h = tf.layers.batchNormalization().apply(h);
    h = tf.layers.reLU().apply(h);
  }
  if (dropout > 0) h = tf.layers.dropout({ rate: dropout, seed: seed + 7 }).apply(h);
  if (kind !== 'mlp') h = tf.layers.flatten().apply(h);
  h = tf.layers.dense({ units: embeddingSize, kernelInitializer: init(seed + 5), kernelRegularizer }).apply(h);
  // insightface fixes this BN's scale at 1; tfjs 4.22's BatchNormalization with `scale: false` throws in
  // training ("reading 'read'" of the missing gamma), so the scale is learned here.
  const embedding = tf.layers.batchNormalization({ name: 'embedding' }).apply(h);
  return { image, embedding };
}

// L-Softmax/SphereFace anneal λ from 1000 to their papers' λ_min = 5. The papers' gamma 0.12 takes
// 1,658 steps; gamma 1 gets there in 199, the first fifth of the default run (10 epochs of ~110 steps).
const anneal = { base: 1000, gamma: 1, power: 1, min: 5 };

/**
 * Head name → how to build it. `labels`: the head takes [embedding, label]; `warmup`: ramp the margin
 * over the first epoch. `s`: scale, `m`: margin — CLI `--scale`/`--margin` override them.
 */
export const HEADS = {
  softmax: {
    title: 'softmax',
    paper: 'dense + softmax',
    labels: false,
    make: ({ c, seed }) => tf.layers.dense({ units: c, kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
  },
  normface: {
    title: 'NormFace',
    paper: 'Wang et al. 2017',
    labels: false,
    s: 30,
    make: ({ c, s, seed }) => layers.normalizedDense({ units: c, scale: s, seed }),
  },
  sphereface: {
    title: 'SphereFace',
    paper: 'Liu et al. 2017',
    labels: true,
    m: 4,
    make: ({ c, m, seed }) => layers.sphereFace({ numClasses: c, margin: m, lambda: anneal, seed }),
  },
  cosface: {
    title: 'CosFace',
    paper: 'Wang et al. 2018',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.35,
    make: ({ c, s, m, seed }) => layers.cosFace({ numClasses: c, margin: m, scale: s, seed }),
  },
  arcface: {
    title: 'ArcFace',
    paper: 'Deng et al. 2019',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.5,
    make: ({ c, s, m, seed }) => layers.arcFace({ numClasses: c, margin: m, scale: s, seed }),
  },
  subcenter: {
    title: 'sub-center ArcFace (K = 3)',
    paper: 'Deng et al. 2020',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.5,
    make: ({ c, s, m, seed }) => layers.subCenterArcFace({ numClasses: c, subCenters: 3, margin: m, scale: s, seed }),
  },
  lsoftmax: {
    title: 'L-Softmax',
    paper: 'Liu et al. 2016',
    labels: true,
    m: 2,
    make: ({ c, m, seed }) => layers.largeMarginSoftmax({ numClasses: c, margin: m, lambda: anneal, seed }),
  },
  combined: {
    title: 'combined (1, 0.3, 0.2)',
    paper: 'Deng et al. 2019',
    labels: true,
    warmup: true,
    s: 30,
    make: ({ c, s, seed }) => layers.combinedMargin({ numClasses: c, m1: 1, m2: 0.3, m3: 0.2, scale: s, seed }),
  },
  curricularface: {
    title: 'CurricularFace',
    paper: 'Huang et al. 2020',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.5,
    make: ({ c, s, m, seed }) => layers.curricularFace({ numClasses: c, margin: m, scale: s, seed }),
  },
  adaface: {
    title: 'AdaFace',
    paper: 'Kim et al. 2022',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.4,
    make: ({ c, s, m, seed }) => layers.adaFace({ numClasses: c, margin: m, scale: s, seed }),
  },
  magface: {
    title: 'MagFace',
    paper: 'Meng et al. 2021',
    labels: true,
    warmup: true,
    s: 30,
    // The paper's norm range, margins and λ_g (run.sh); only the scale follows the other heads here.
    make: ({ c, s, seed }) => layers.magFace({ numClasses: c, scale: s, seed }),
  },
  elasticface: {
    title: 'ElasticFace-Arc',
    paper: 'Boutros et al. 2022',
    labels: true,
    warmup: true,
    s: 30,
    m: 0.5,
    make: ({ c, s, m, seed }) =>
      layers.elasticFace({ numClasses: c, kind: 'arc', margin: m, sigma: 0.05, scale: s, seed }),
  },
  adacos: {
    title: 'AdaCos',
    paper: 'Zhang et al. 2019',
    labels: true,
    // No scale and no margin to set: the scale adapts to each batch.
    make: ({ c, seed }) => layers.adaCos({ numClasses: c, seed }),
  },
  // Pair and proxy losses (#26): trained on m-per-class batches (data.classBalancedSampler). `pair`: the
  // model is the embedder itself, compiled with the loss; ProxyAnchor is a loss layer (precomputedLoss).
  // Semi-hard (PML's TripletMarginMiner): measured 65.0% one-shot error against 69.3% for all triplets
  // on the 4-split protocol (docs/omniglot-benchmark.md, "Pair and proxy losses"); its loss reaches 0
  // by epoch 12 (no semi-hard triplet left), so both are far behind the heads at this budget.
  triplet: {
    title: 'triplet (semi-hard, margin 0.2)',
    paper: 'Schroff et al. 2015',
    pair: ({ tripletMining = 'semiHard' } = {}) => losses.tripletMarginLoss({ margin: 0.2, mining: tripletMining }),
  },
  multisimilarity: {
    title: 'multi-similarity',
    paper: 'Wang et al. 2019',
    pair: () => losses.multiSimilarityLoss(),
  },
  supcon: {
    title: 'SupCon (T 0.1)',
    paper: 'Khosla et al. 2020',
    pair: () => losses.supervisedContrastiveLoss({ temperature: 0.1 }),
  },
  proxyanchor: {
    title: 'ProxyAnchor',
    paper: 'Kim et al. 2020',
    labels: true,
    precomputed: true,
    make: ({ c, seed }) => layers.proxyAnchor({ numClasses: c, seed }),
  },
  circle: {
    title: 'Circle (class-level)',
    paper: 'Sun et al. 2020',
    labels: true,
    // The paper's face-recognition setting (m 0.25, γ 256); warm-up would scale m, which is no "no margin" here.
    make: ({ c, seed }) => layers.circleHead({ numClasses: c, margin: 0.25, gamma: 256, seed }),
  },
};

/** A classifier with the given head on the backbone; `embedder` maps images to embeddings. */
export function buildModel(
  headName,
  { backboneKind, size, width, depth = 3, embeddingSize, dropout, numClasses, scale, margin, seed, weightDecay = 0 },
) {
  const spec = HEADS[headName];
  const { image, embedding } = backbone(backboneKind, {
    size,
    width,
    depth,
    embeddingSize,
    dropout,
    seed,
    weightDecay,
  });
  if (spec.pair) {
    const embedder = tf.model({ inputs: image, outputs: embedding });
    return { model: embedder, head: null, embedder, spec };
  }
  const head = spec.make({ c: numClasses, s: scale ?? spec.s, m: margin ?? spec.m, seed: seed + 91 });
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
