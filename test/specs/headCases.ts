import * as tf from '@tensorflow/tfjs';
import { layers, ops } from 'tfjs-margin';
import type { HeadConfig } from '../reference/heads';

/** The heads under test, each as a layer factory and as the op configuration it should use. */
export interface HeadCase {
  name: string;
  cfg: HeadConfig;
  layer: (numClasses: number, extra?: Record<string, unknown>) => layers.MarginSoftmaxHead;
  op: (gradient?: 'exact' | 'straightThrough') => ops.MarginLogitsOptions;
  /**
   * Why finite differences are not compared on half floats, if they are not: ElasticFace-Arc has no
   * fallback beyond θ = π − m, so its ψ' = sin(θ + m)/sin θ is ill-conditioned at the specs' row
   * opposite its center, beyond what 11-bit floats resolve (values and the other specs still run).
   */
  halfFloatFd?: string;
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
  {
    // Norm bounds around the specs' embedding norms (about 0.5-4), so the margin moves with ‖x‖ and
    // the gradient through the norm is exercised.
    name: 'magFace s=8',
    cfg: {
      kind: 'magface',
      scale: 8,
      lowerNorm: 0.1,
      upperNorm: 10,
      lowerMargin: 0.2,
      upperMargin: 0.7,
      easyMargin: true,
    },
    layer: (c, e) =>
      layers.magFace({
        numClasses: c,
        scale: 8,
        lowerNorm: 0.1,
        upperNorm: 10,
        lowerMargin: 0.2,
        upperMargin: 0.7,
        lambdaG: 0,
        ...e,
      }),
    op: (g = 'exact') => ({
      ...base,
      scale: 8,
      margin: m.magFaceMargin({ lowerNorm: 0.1, upperNorm: 10, lowerMargin: 0.2, upperMargin: 0.7, easyMargin: true }),
      gradient: g,
    }),
  },
  {
    // Not training: the mean margin, cos(θ + m) with no fallback (the paper's form).
    name: 'elasticFace arc m=0.5 s=8',
    cfg: { kind: 'elasticarc', margin: 0.5, scale: 8 },
    layer: (c, e) => layers.elasticFace({ numClasses: c, margin: 0.5, scale: 8, seed: 5, ...e }),
    op: (g = 'exact') => ({ ...base, scale: 8, margin: m.elasticMargin('arc', 0.5), gradient: g }),
    halfFloatFd: 'ψ′ = sin(θ + m) / sin θ at θ ≈ π (no fallback, as the paper) is below half-float resolution',
  },
  {
    // Not training: the stored scale, initially √2 ln(C − 1); the specs use C = 4 (the op takes it as given).
    name: 'adaCos',
    cfg: { kind: 'adacos', scale: Math.SQRT2 * Math.log(3) },
    layer: (c, e) => layers.adaCos({ numClasses: c, ...withoutScale(e) }),
    op: () => ({ ...base, scale: Math.SQRT2 * Math.log(3), margin: m.additiveCosineMargin(0) }),
  },
  {
    name: 'circleHead m=0.25 γ=8',
    cfg: { kind: 'circle', margin: 0.25, scale: 8 },
    layer: (c, e) =>
      layers.circleHead({ numClasses: c, margin: 0.25, gamma: (e?.['scale'] as number) ?? 8, ...withoutScale(e) }),
    op: (g = 'exact') => ({
      ...base,
      scale: 8,
      margin: m.circleTarget(0.25),
      negatives: m.circleNegatives(0.25),
      gradient: g,
    }),
  },
];

/** Layer arguments without `scale`: AdaCos has none, Circle calls it `gamma`. */
function withoutScale(extra?: Record<string, unknown>): Record<string, unknown> {
  const { scale: _scale, ...rest } = extra ?? {};
  return rest;
}

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
