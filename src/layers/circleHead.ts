import { scaleArg } from '../internal/bounds';
import { numberInRange } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { circleNegatives, circleTarget } from '../ops/margins/circleMargin';
import type { TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type CallMargin, type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link CircleHead}. */
export interface CircleHeadArgs extends MarginHeadArgs {
  /** Relaxation `m` in `[0, 1)`. Default `0.25`. */
  margin?: number;
  /** Scale `γ > 0`. Default `256`. */
  gamma?: number;
}

/**
 * Class-level Circle loss head (Sun et al., CVPR 2020, "Circle Loss: A Unified Perspective of Pair
 * Similarity Optimization", the classification form with class centers as proxies): with
 * `c_j = cos θ_j`, relaxation `m` and scale `γ`, the target logit is `γ α_p (c_y − (1 − m))`,
 * `α_p = max(0, 1 + m − c_y)`, and every other logit `γ α_n (c_j − m)`, `α_n = max(0, c_j + m)` —
 * each similarity is weighted by how far it is from its optimum, so the head changes all logits, not
 * just the target (see {@link ops.margins.circleTarget}, {@link ops.margins.circleNegatives}). The
 * weights `α` are not differentiated through, as in FaceX-Zoo's `CircleLoss` head (the reference) and
 * pytorch-metric-learning's pair-based `CircleLoss`. Without labels: `γ cos θ_j`. Warm-up scales `m`.
 *
 * @example
 * ```ts
 * const head = layers.circleHead({ numClasses: 3, gamma: 32 });
 * const logits = head.apply([tf.randomNormal([4, 8]), tf.tensor1d([0, 1, 2, 0], 'int32')]) as tf.Tensor;
 * ```
 */
export class CircleHead extends MarginSoftmaxHead {
  static className = 'TfjsMarginCircleHead';
  readonly margin: number;
  readonly gamma: number;

  constructor(args: CircleHeadArgs) {
    super(args, ['margin', 'gamma']);
    this.margin = numberInRange(this.headName, 'margin', args.margin ?? 0.25, 0, 1);
    this.gamma = scaleArg(this.headName, args.gamma, 256);
  }

  /** `γ`: the head's logit scale. */
  get scale(): number {
    return this.gamma;
  }

  protected marginAt(strength: number): TargetMargin {
    return circleTarget(this.margin * strength);
  }

  /** Adds the non-target side. */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    return { ...super.marginForCall(x, training), negatives: circleNegatives(this.margin * this.marginStrength) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), margin: this.margin, gamma: this.gamma };
  }
}
registerLayer(CircleHead);

/**
 * Creates a {@link CircleHead} (class-level Circle loss).
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.circleHead({ numClasses: 3, margin: 0.25, gamma: 64 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
 * ```
 */
export function circleHead(args: CircleHeadArgs): CircleHead {
  return new CircleHead(args);
}
