// The recipes `npm run example` trains with (`--preset`), chosen from the recipe study in
// docs/omniglot-benchmark.md ("Recipe study"). Every command-line flag overrides its preset value.
//   quick    under a minute: a smoke test of the whole pipeline, not a result;
//   default  every training ≤ 4 minutes on a 2-core machine with the tfjs-node fast path;
//   full     every training ≤ 15 minutes there.
// `headline`: the heads `--heads` defaults to: softmax, ArcFace, CosFace and the two best of the head
// table with the default (MagFace and ElasticFace-Arc since heads6; the combined margin and L-Softmax
// after heads5: docs/omniglot-benchmark.md);
// `--heads all` trains every head.
// The default's backbone is width 32 for 10 epochs: at the cost of width 16 for 16 epochs it lowered
// both heads' error by about 2 points (second screen, docs/omniglot-benchmark.md).
const DEFAULT = {
  backbone: 'cnn',
  epochs: 10,
  width: 32,
  // The MLP's width on wasm (no conv filter gradients there): the plain net's of the preset's cost.
  mlpWidth: 32,
  batch: 128,
  // insightface's optimiser: SGD, momentum 0.9, lr 0.1, L2 5e-4 on the backbone's kernels (third
  // screen and dev4, docs/omniglot-benchmark.md); warm-up and cosine decay as before.
  lr: 0.1,
  rotations: 4,
  groups: false,
  perClass: 4,
  tta: 5,
  // Each image's 4 quarter turns side by side at test time (the turns are the training identities):
  // on the same models ArcFace erred 0.7 ± 0.5 points less and softmax 0.9 ± 0.7 (dev6, 4 splits ×
  // 3 seeds, 10 of 12 better each; docs/omniglot-benchmark.md).
  views: 4,
  optimizer: 'sgd',
  wd: 5e-4,
  // No dropout before the embedding (0.2 until dev5): in 10 epochs the margin heads are short of fitting,
  // and ArcFace erred less on 12 of 12 paired trainings without it (docs/omniglot-benchmark.md).
  dropout: 0,
  strokes: 0,
  // Each drawing framed about its ink (a square of 4 RMS radii about its centre of mass) instead of the
  // whole canvas: softmax erred 5.0 points less and ArcFace 1.7 (screen21, 4 splits × seed 1; dev8 on
  // 3 seeds, docs/omniglot-benchmark.md). Every preset inherits it.
  framing: 'ink',
  // Margins smaller than the papers' (CosFace 0.35, ArcFace 0.5) for the ink framing, where the margin
  // heads were short of fitting in 10 epochs: CosFace at 0.2 erred less than softmax on 10 of 12 paired
  // trainings (dev9), ArcFace at 0.3 less than at 0.5 (dev10; docs/omniglot-benchmark.md). `--margin`
  // sets every head's; `--margins paper` gives each head its paper's.
  margins: { cosface: 0.2, arcface: 0.3 },
  headline: ['softmax', 'arcface', 'cosface', 'magface', 'elasticface'],
};

export const PRESETS = {
  quick: {
    ...DEFAULT,
    width: 16,
    mlpWidth: 16,
    epochs: 3,
    rotations: 1,
    tta: 1,
    views: 1,
    // Adam: 3 epochs are too few for SGD's warm-up and decay.
    optimizer: 'adam',
    lr: 3e-3,
    wd: 0,
    dropout: 0.2,
    headline: ['softmax', 'cosface', 'arcface'],
  },
  default: DEFAULT,
  // Dropout 0.2: at 40 epochs ArcFace erred 0.5 points more without it (full0, docs/omniglot-benchmark.md).
  // The ResNet at width 16 (the plain width 32's multiply-adds, 1.27× its time): ArcFace 14.9% against
  // the plain full preset's 15.7%, 3 of 4 splits, and softmax 16.5% against 17.9%, 4 of 4 (screen16);
  // 8–9.5 minutes a training on a development split, about 12 on all 242 characters.
  full: { ...DEFAULT, backbone: 'resnet', width: 16, epochs: 40, dropout: 0.2 },
};

/**
 * Milliseconds per training image per epoch on a 2-core machine with the tfjs-node fast path, by
 * backbone width (batch 128; measured in the recipe study, docs/omniglot-benchmark.md): what the
 * example prints as the time it expects.
 */
const MS_PER_IMAGE_EPOCH = { 16: 0.5, 32: 0.9, 64: 2.4 };

/**
 * Each backbone against a plain net: `width`, that plain net's width per unit of the backbone's own;
 * `time`, the backbone's training time against that plain net's. The ResNet at width w: the plain
 * net at 2w, 1.27× its time (three more BN layers and an addition per stage; 133–139 s against
 * 104–110 s, screen15). The pooled ResNet at width w: the plain net at 1.6w, 1.2× its time (width
 * 20: 123–150 s a training in screen18, about the ResNet at width 16's; 1.15× the plain width 32's
 * training step side by side, where the ResNet's was 1.21×). The MLP (wasm) is estimated as the
 * plain net it stands in for; wasm itself is slower, which the example says.
 */
const BACKBONE_COST = {
  cnn: { width: 1, time: 1 },
  mlp: { width: 1, time: 1 },
  resnet: { width: 2, time: 1.27 },
  'resnet-pool': { width: 1.6, time: 1.2 },
};

/**
 * Expected seconds of one training of `images` images for `epochs` epochs at `width`, for the plain
 * backbone (`cnn`), the ResNet, the pooled ResNet or the MLP; throws for any other backbone.
 */
export function estimateSeconds({ images, epochs, width, backbone = 'cnn' }) {
  const cost = BACKBONE_COST[backbone];
  if (cost === undefined) throw new Error(`estimateSeconds: no cost for backbone ${JSON.stringify(backbone)}`);
  const plainWidth = cost.width * width;
  const known = Object.keys(MS_PER_IMAGE_EPOCH).map(Number);
  const nearest = known.reduce((a, b) => (Math.abs(b - plainWidth) < Math.abs(a - plainWidth) ? b : a));
  const ms = MS_PER_IMAGE_EPOCH[nearest] * (plainWidth / nearest) ** 1.5 * cost.time;
  return (images * epochs * ms) / 1000;
}
