import { cosineMarginInRange, scaleArg } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import { additiveCosineMargin } from '../ops/margins/additiveCosineMargin';
import type { TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link CosFace}. */
export interface CosFaceArgs extends MarginHeadArgs {
  /** Additive cosine margin `m >= 0`. Default `0.35`. */
  margin?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
}

/**
 * AM-Softmax / CosFace head (Wang et al. 2018, "Additive Margin Softmax for Face Verification";
 * Wang et al. 2018, "CosFace: Large Margin Cosine Loss for Deep Face Recognition").
 *
 * Both `x` and `W` normalized; target logit `s (cos θ_y − m)`, others `s cos θ_j`. The margin's
 * derivative is 1, so the backward pass is the plain cosine-softmax one. Matches
 * pytorch-metric-learning's `CosFaceLoss`.
 *
 * Recommended (README, "Choosing a head"): the paper's `scale 64`, `margin 0.35` for many identities;
 * on a few hundred (`scale 30`, warm-up) it did not beat softmax on the Omniglot benchmark.
 */
export class CosFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginCosFace';
  readonly margin: number;
  readonly scale: number;

  constructor(args: CosFaceArgs) {
    super(args, ['margin', 'scale']);
    this.margin = cosineMarginInRange(this.headName, 'margin', args.margin ?? 0.35);
    this.scale = scaleArg(this.headName, args.scale, 64);
  }
  protected marginAt(strength: number): TargetMargin {
    return additiveCosineMargin(this.margin * strength);
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), margin: this.margin, scale: this.scale };
  }
}
registerLayer(CosFace);

/** Creates a {@link CosFace} (AM-Softmax) head.
 *
 * @example
 * ```ts
 * const head = layers.cosFace({ numClasses: 3, scale: 16, margin: 0.2 });
 * const embeddings = tf.randomNormal([4, 8]);
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([embeddings, labels]) as tf.Tensor; // [4, 3]: s(cos θ_y − 0.2) at each label, s·cos θ_j elsewhere
 * const inference = head.apply(embeddings) as tf.Tensor; // margin-free logits
 * ```
 */
export function cosFace(args: CosFaceArgs): CosFace {
  return new CosFace(args);
}
/** Alias of {@link cosFace}. */
export const amSoftmax = cosFace;
