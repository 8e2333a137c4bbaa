import { scaleArg, subCentersInRange } from '../internal/bounds';
import { floatTensor, gradientArg, numberInRange, rankIs } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import { parseLabels } from '../internal/labels';
import { additiveAngularMargin } from '../ops/margins/angularMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { l2Normalize } from '../ops/l2Normalize';
import { registerLayer } from './layerConfig';
import { type HeadGeometry, type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link SubCenterArcFace}. */
export interface SubCenterArcFaceArgs extends MarginHeadArgs {
  /** Sub-centers per class `K >= 1`. Default `3`. */
  subCenters?: number;
  /** Additive angular margin in radians, in `[0, π)`. Default `0.5`. */
  margin?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** `'exact'` (default) or `'straightThrough'`. */
  gradient?: MarginGradient;
}

/** What {@link SubCenterArcFace.getOutliers} finds. */
export interface SubCenterOutliers {
  /** Indices of samples farther than the threshold from their class's dominant sub-center. */
  outliers: number[];
  /** `[D, numClasses]`: each class's dominant sub-center (the one most of its samples are nearest). */
  dominantCenters: tf.Tensor2D;
}

/**
 * Sub-center ArcFace head (Deng et al. 2020, "Sub-center ArcFace: Boosting Face Recognition by
 * Large-scale Noisy Web Faces"): each class has `K` centers, kernel columns `c·K … c·K + K − 1`; a
 * class's cosine is the max over its sub-centers, then the ArcFace margin applies (see {@link ArcFace}).
 * The gradient reaches only the arg-max sub-center, the first one when two are equal to the last bit
 * (as `torch.max`). Sub-centers equal only up to rounding may have their cosines rounded apart by the
 * matrix product, differently on another backend, kernel or processor, so which of them takes a
 * sample's gradient is not portable; the value, `∂L/∂x` and the class's total over its sub-centers
 * are. Matches pytorch-metric-learning's `SubCenterArcFaceLoss`.
 *
 * Recommended (README, "Choosing a head"): `subCenters 3` for noisy, web-scale data (the paper); on
 * clean data with a few hundred identities it did no better than ArcFace on the Omniglot benchmark.
 */
export class SubCenterArcFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginSubCenterArcFace';
  readonly subCenters: number;
  readonly margin: number;
  readonly scale: number;
  override readonly gradient: MarginGradient;

  constructor(args: SubCenterArcFaceArgs) {
    super(args, ['subCenters', 'margin', 'scale', 'gradient']);
    this.subCenters = subCentersInRange(this.headName, 'subCenters', args.subCenters ?? 3);
    this.margin = numberInRange(this.headName, 'margin', args.margin ?? 0.5, 0, Math.PI);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.gradient = gradientArg(this.headName, args.gradient);
  }
  protected marginAt(strength: number): TargetMargin {
    return additiveAngularMargin(this.margin * strength);
  }
  protected override geometry(): HeadGeometry {
    return { ...super.geometry(), subCenters: this.subCenters };
  }

  /**
   * Finds noisy samples as pytorch-metric-learning's `get_outliers` does: for each class present in
   * `labels`, the dominant sub-center is the one most of the class's samples are nearest to; samples
   * whose angle to it exceeds `thresholdDegrees` (default 75°) are outliers. Reads data back (async).
   *
   * @param embeddings `[N, D]` embeddings.
   * @param labels `[N]` or `[N, 1]` integer labels.
   */
  async getOutliers(
    embeddings: tf.Tensor,
    labels: tf.Tensor,
    options: { thresholdDegrees?: number } = {},
  ): Promise<SubCenterOutliers> {
    const where = 'SubCenterArcFace.getOutliers';
    if (this.kernel === null)
      throw new MarginArgumentError(where, 'kernel', 'built (train or build the head first)', 'an unbuilt layer');
    const threshold = numberInRange(where, 'thresholdDegrees', options.thresholdDegrees ?? 75, 0, 180);
    const x = floatTensor(where, 'embeddings', embeddings);
    rankIs(where, 'embeddings', x, 2, '[N, D]');
    const [n, d] = x.shape as [number, number];
    const y = parseLabels(where, 'labels', labels, n, this.numClasses, false);
    const kernel = this.kernel.read();
    const cosT = tf.tidy(() => tf.matMul(l2Normalize(x), l2Normalize(kernel, { axis: 0 })));
    const [cos, labelValues, w] = await Promise.all([cosT.data(), y.data(), kernel.data()]);
    tf.dispose([cosT, ...(y !== labels ? [y] : []), ...(x !== embeddings ? [x] : [])]);
    const k = this.subCenters;
    const columns = this.numClasses * k;
    const cosThreshold = Math.cos((threshold * Math.PI) / 180);
    const dominant = new Float32Array(d * this.numClasses);
    const outliers: number[] = [];
    for (let c = 0; c < this.numClasses; c++) {
      const members: number[] = [];
      for (let i = 0; i < n; i++) if (labelValues[i] === c) members.push(i);
      if (members.length === 0) continue;
      const counts = new Array<number>(k).fill(0);
      for (const i of members) {
        let best = 0;
        for (let s = 1; s < k; s++) if (cos[i * columns + c * k + s]! > cos[i * columns + c * k + best]!) best = s;
        counts[best]!++;
      }
      let top = 0;
      for (let s = 1; s < k; s++) if (counts[s]! > counts[top]!) top = s;
      for (let r = 0; r < d; r++) dominant[r * this.numClasses + c] = w[r * columns + c * k + top]!;
      for (const i of members) if (cos[i * columns + c * k + top]! < cosThreshold) outliers.push(i);
    }
    outliers.sort((a, b) => a - b);
    return { outliers, dominantCenters: tf.tensor2d(dominant, [d, this.numClasses]) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      subCenters: this.subCenters,
      margin: this.margin,
      scale: this.scale,
      gradient: this.gradient,
    };
  }
}
registerLayer(SubCenterArcFace);

/** Creates a {@link SubCenterArcFace} head.
 *
 * @example
 * ```ts
 * const head = layers.subCenterArcFace({ numClasses: 3, subCenters: 3, scale: 16, margin: 0.3 });
 * const embeddings = tf.randomNormal([4, 8]);
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([embeddings, labels]) as tf.Tensor; // [4, 3]: ArcFace on each class's nearest of 3 sub-centers
 * const inference = head.apply(embeddings) as tf.Tensor; // margin-free logits
 * ```
 */
export function subCenterArcFace(args: SubCenterArcFaceArgs): SubCenterArcFace {
  return new SubCenterArcFace(args);
}
