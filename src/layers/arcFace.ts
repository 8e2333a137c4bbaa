import { scaleArg } from '../internal/bounds';
import { booleanArg, gradientArg, numberInRange } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { additiveAngularMargin } from '../ops/margins/angularMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link ArcFace}. */
export interface ArcFaceArgs extends MarginHeadArgs {
  /** Additive angular margin in radians, in `[0, π)`. Default `0.5` (≈ 28.6°). */
  margin?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** Apply the margin only where `cos θ_y > 0`. Default `false`. */
  easyMargin?: boolean;
  /** `'exact'` (default) or `'straightThrough'` (insightface's training gradient). */
  gradient?: MarginGradient;
}

/**
 * ArcFace head (Deng et al. 2019, "ArcFace: Additive Angular Margin Loss for Deep Face Recognition").
 *
 * Both `x` and `W` normalized; target logit `s cos(θ_y + m)` for `θ_y ≤ π − m`, else
 * `s (cos θ_y − m sin m)` so the target stays monotone; others `s cos θ_j`. `cos(θ + m)` is computed as
 * `cos θ cos m − sin θ sin m` with a clamped `sin θ`, and its derivative
 * `cos m + cos θ sin m / sin θ` is analytic. With `easyMargin`, `cos(θ_y + m)` only where `cos θ_y > 0`.
 * Matches pytorch-metric-learning's `ArcFaceLoss` (whose margin is in degrees).
 *
 * Recommended (README, "Choosing a head"): a few hundred identities — `scale 30`, `margin 0.5`, a
 * one-epoch `callbacks.marginWarmup` (measured on the Omniglot benchmark: 1.0 point below softmax's
 * one-shot error); thousands and more — the paper's `scale 64`, `margin 0.5`.
 */
export class ArcFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginArcFace';
  readonly margin: number;
  readonly scale: number;
  readonly easyMargin: boolean;
  override readonly gradient: MarginGradient;

  constructor(args: ArcFaceArgs) {
    super(args, ['margin', 'scale', 'easyMargin', 'gradient']);
    this.margin = numberInRange(this.headName, 'margin', args.margin ?? 0.5, 0, Math.PI);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.easyMargin = booleanArg(this.headName, 'easyMargin', args.easyMargin ?? false);
    this.gradient = gradientArg(this.headName, args.gradient);
  }
  protected marginAt(strength: number): TargetMargin {
    return additiveAngularMargin(this.margin * strength, this.easyMargin);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      margin: this.margin,
      scale: this.scale,
      easyMargin: this.easyMargin,
      gradient: this.gradient,
    };
  }
}
registerLayer(ArcFace);

/** Creates an {@link ArcFace} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.arcFace({ numClasses: 3, scale: 16, margin: 0.3 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
 * ```
 */
export function arcFace(args: ArcFaceArgs): ArcFace {
  return new ArcFace(args);
}
