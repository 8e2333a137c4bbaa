import * as tf from '@tensorflow/tfjs';
import { layers, ops } from 'tfjs-margin';
import type { HeadConfig } from '../reference/heads';

/** The heads under test, each as a layer factory and as the op configuration it should use. */
export interface HeadCase {
  name: string;
  cfg: HeadConfig;
  layer: (numClasses: number, extra?: Record<string, unknown>) => layers.MarginSoftmaxHead;
  op: (gradient?: 'exact' | 'straightThrough') => ops.MarginLogitsOptions;
}

const m = ops.margins;
const base = { normalizeInputs: true, normalizeWeights: true, subCenters: 1, gradient: 'exact' as const };

export const HEAD_CASES: HeadCase[] = [
  {
    name: 'largeMarginSoftmax m=4',
    cfg: { kind: 'lsoftmax', margin: 4, scale: 1 },
    layer: (c, e) => layers.largeMarginSoftmax({ numClasses: c, margin: 4, ...e }),
    op: (g = 'exact') => ({
      ...base,
      normalizeInputs: false,
      normalizeWeights: false,
      scale: 1,
      margin: m.multiplicativeAngularMargin(4),
      gradient: g,
    }),
  },
  {
    name: 'sphereFace m=3 s=2',
    cfg: { kind: 'sphereface', margin: 3, scale: 2 },
    layer: (c, e) => layers.sphereFace({ numClasses: c, margin: 3, scale: 2, ...e }),
    op: (g = 'exact') => ({
      ...base,
      normalizeInputs: false,
      scale: 2,
      margin: m.multiplicativeAngularMargin(3),
      gradient: g,
    }),
  },
  {
    name: 'cosFace m=0.35 s=8',
    cfg: { kind: 'cosface', margin: 0.35, scale: 8 },
    layer: (c, e) => layers.cosFace({ numClasses: c, margin: 0.35, scale: 8, ...e }),
    op: () => ({ ...base, scale: 8, margin: m.additiveCosineMargin(0.35) }),
  },
  {
    name: 'arcFace m=0.5 s=8',
    cfg: { kind: 'arcface', margin: 0.5, scale: 8 },
    layer: (c, e) => layers.arcFace({ numClasses: c, margin: 0.5, scale: 8, ...e }),
    op: (g = 'exact') => ({ ...base, scale: 8, margin: m.additiveAngularMargin(0.5), gradient: g }),
  },
  {
    name: 'arcFace easyMargin',
    cfg: { kind: 'arcface', margin: 0.4, scale: 4, easyMargin: true },
    layer: (c, e) => layers.arcFace({ numClasses: c, margin: 0.4, scale: 4, easyMargin: true, ...e }),
    op: (g = 'exact') => ({ ...base, scale: 4, margin: m.additiveAngularMargin(0.4, true), gradient: g }),
  },
  {
    name: 'combinedMargin m1=0.9 m2=0.4 m3=0.15',
    cfg: { kind: 'combined', m1: 0.9, m2: 0.4, m3: 0.15, scale: 8 },
    layer: (c, e) => layers.combinedMargin({ numClasses: c, m1: 0.9, m2: 0.4, m3: 0.15, scale: 8, ...e }),
    op: (g = 'exact') => ({ ...base, scale: 8, margin: m.combinedAngularMargin(0.9, 0.4, 0.15), gradient: g }),
  },
  {
    name: 'subCenterArcFace K=3',
    cfg: { kind: 'subcenter', margin: 0.5, scale: 8, subCenters: 3 },
    layer: (c, e) => layers.subCenterArcFace({ numClasses: c, subCenters: 3, margin: 0.5, scale: 8, ...e }),
    op: (g = 'exact') => ({ ...base, scale: 8, subCenters: 3, margin: m.additiveAngularMargin(0.5), gradient: g }),
  },
  {
    name: 'curricularFace m=0.5 s=8',
    cfg: { kind: 'curricularface', margin: 0.5, scale: 8, t: 0 },
    layer: (c, e) => layers.curricularFace({ numClasses: c, margin: 0.5, scale: 8, ...e }),
    op: (g = 'exact') => ({
      ...base,
      scale: 8,
      margin: m.additiveAngularMargin(0.5),
      hardNegatives: m.curricularHardNegatives(0.5, 0),
      gradient: g,
    }),
  },
  {
    // h = 10 with the initial statistics (μ 20, σ 100) saturates ĝ at −1 for these small norms, so the
    // float64 finite differences (which see the norms) agree with the detached-norm gradient; the
    // AdaFace spec covers ĝ inside (−1, 1).
    name: 'adaFace m=0.4 s=8 h=10',
    cfg: { kind: 'adaface', margin: 0.4, scale: 8, h: 10, mean: 20, std: 100 },
    layer: (c, e) => layers.adaFace({ numClasses: c, margin: 0.4, scale: 8, h: 10, ...e }),
    op: (g = 'exact') => ({
      ...base,
      scale: 8,
      margin: m.adaFaceMargin({ margin: 0.4, h: 10, mean: 20, std: 100 }),
      gradient: g,
    }),
  },
];

/** One-hot float mask as a plain array. */
export function oneHot(labels: number[], classes: number): number[] {
  return labels.flatMap((y) => Array.from({ length: classes }, (_, j) => (j === y ? 1 : 0)));
}

/** Applies a head to concrete tensors and sets its kernel. */
export function headWithKernel(head: layers.MarginSoftmaxHead, kernel: number[], d: number, columns: number): void {
  tf.tidy(() => {
    head.apply([tf.zeros([1, d]), tf.zeros([1], 'int32')]);
    head.weights[0]!.write(tf.tensor2d(kernel, [d, columns]));
  });
}
