import { cosineMarginInRange, multiplicativeFactorInRange, scaleArg } from '../internal/bounds';
import { gradientArg, numberInRange } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { combinedAngularMargin } from '../ops/margins/angularMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link CombinedMargin}. */
export interface CombinedMarginArgs extends MarginHeadArgs {
  /** Multiplicative angular margin `m1 > 0` (SphereFace-like). Default `1`. */
  m1?: number;
  /** Additive angular margin `m2` in radians, in `[0, π)` (ArcFace). Default `0.5`. */
  m2?: number;
  /** Additive cosine margin `m3 >= 0` (CosFace). Default `0`. */
  m3?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** `'exact'` (default) or `'straightThrough'` (insightface's training gradient). */
  gradient?: MarginGradient;
}

/**
 * Combined margin head (Deng et al. 2019, ArcFace paper section 2.3; insightface's `CombinedMarginLoss`):
 * target logit `s (cos(m1 θ_y + m2) − m3)`, others `s cos θ_j`, `x` and `W` normalized.
 *
 * Monotone fallback: beyond `θ* = (π − m2)/m1`, where `cos(m1θ + m2)` would start rising again, the
 * target is `s (cos θ_y − m3 − m2 sin m2)`. With `m1 = 1, m3 = 0` this head is exactly {@link ArcFace}
 * including its fallback; with `m1 = 1, m2 = 0` it is {@link CosFace}. For `m1 = 1` no `acos` is used;
 * otherwise `θ = acos(cos θ)` appears in the forward pass only, and the backward pass uses the analytic
 * `ψ' = m1 sin(m1θ + m2) / sin θ`.
 *
 * Recommended (README, "Choosing a head"): `m1 1, m2 0.3, m3 0.2` (insightface) with `scale 30` and a
 * margin warm-up for a few hundred identities (1.3 points below softmax on the Omniglot benchmark),
 * `scale 64` for many.
 */
export class CombinedMargin extends MarginSoftmaxHead {
  static className = 'TfjsMarginCombinedMargin';
  readonly m1: number;
  readonly m2: number;
  readonly m3: number;
  readonly scale: number;
  override readonly gradient: MarginGradient;

  constructor(args: CombinedMarginArgs) {
    super(args, ['m1', 'm2', 'm3', 'scale', 'gradient']);
    this.m1 = multiplicativeFactorInRange(this.headName, 'm1', args.m1 ?? 1);
    this.m2 = numberInRange(this.headName, 'm2', args.m2 ?? 0.5, 0, Math.PI);
    this.m3 = cosineMarginInRange(this.headName, 'm3', args.m3 ?? 0);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.gradient = gradientArg(this.headName, args.gradient);
  }
  protected marginAt(strength: number): TargetMargin {
    return combinedAngularMargin(1 + (this.m1 - 1) * strength, this.m2 * strength, this.m3 * strength);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), m1: this.m1, m2: this.m2, m3: this.m3, scale: this.scale, gradient: this.gradient };
  }
}
registerLayer(CombinedMargin);

/** Creates a {@link CombinedMargin} head: `s (cos(m1 θ_y + m2) − m3)`.
 *
 * @example
 * ```ts
 * const head = layers.combinedMargin({ numClasses: 3, m1: 1, m2: 0.3, m3: 0.2, scale: 16 });
 * const embeddings = tf.randomNormal([4, 8]);
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([embeddings, labels]) as tf.Tensor; // [4, 3]: s(cos(θ_y + 0.3) − 0.2) at each label
 * const inference = head.apply(embeddings) as tf.Tensor; // margin-free logits
 * ```
 */
export function combinedMargin(args: CombinedMarginArgs): CombinedMargin {
  return new CombinedMargin(args);
}
