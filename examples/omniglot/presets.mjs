// The recipes `npm run example` trains with (`--preset`), chosen from the recipe study in
// docs/omniglot-benchmark.md ("Recipe study"). Every command-line flag overrides its preset value.
//   quick    under a minute: a smoke test of the whole pipeline, not a result;
//   default  every training ≤ 4 minutes on a 2-core machine with the tfjs-node fast path;
//   full     every training ≤ 15 minutes there.
// `headline`: the heads `--heads` defaults to (softmax, ArcFace, CosFace and the study's two best);
// `--heads all` trains every head.
export const PRESETS = {
  quick: {
    epochs: 3,
    width: 16,
    batch: 128,
    lr: 3e-3,
    rotations: 1,
    groups: false,
    perClass: 4,
    tta: 1,
    optimizer: 'adam',
    wd: 0,
    headline: ['softmax', 'cosface', 'arcface'],
  },
  default: {
    epochs: 20,
    width: 16,
    batch: 128,
    lr: 3e-3,
    rotations: 1,
    groups: false,
    perClass: 4,
    tta: 1,
    optimizer: 'adam',
    wd: 0,
    headline: ['softmax', 'arcface', 'cosface', 'sphereface', 'magface'],
  },
  full: {
    epochs: 40,
    width: 32,
    batch: 128,
    lr: 3e-3,
    rotations: 1,
    groups: false,
    perClass: 4,
    tta: 1,
    optimizer: 'adam',
    wd: 0,
    headline: ['softmax', 'arcface', 'cosface', 'sphereface', 'magface'],
  },
};
