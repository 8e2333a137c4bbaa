import { scaleArg } from '../internal/bounds';
import { gradientArg, numberInRange, unitFraction } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { additiveAngularMargin } from '../ops/margins/angularMargin';
import { curricularHardNegatives } from '../ops/margins/curricularHardNegatives';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type CallMargin, type MarginHeadArgs, MarginSoftmaxHead, type StateWeightFactory } from './marginSoftmaxHead';

/** Arguments of {@link CurricularFace}. */
export interface CurricularFaceArgs extends MarginHeadArgs {
  /** Additive angular margin in radians, in `[0, π)`. Default `0.5`. */
  margin?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** EMA rate of `t`, in `(0, 1]`: `t ← momentum · mean(cos θ_y) + (1 − momentum) · t`. Default `0.01`. */
  momentum?: number;
  /** `'exact'` (default) or `'straightThrough'` for the target's margin. */
  gradient?: MarginGradient;
}

/**
 * CurricularFace head (Huang et al., CVPR 2020, "CurricularFace: Adaptive Curriculum Learning Loss for
 * Deep Face Recognition"). Both sides normalized; target logit `s cos(θ_y + m)` with ArcFace's monotone
 * fallback `s (cos θ_y − m sin m)` beyond `θ_y > π − m`; a non-target logit is `s cos θ_j` when easy and
 * `s cos θ_j (t + cos θ_j)` when hard, `cos θ_j > cos(θ_y + m)` — so hard negatives weigh little early
 * in training (`t ≈ 0`) and more as `t`, the EMA of the batches' mean target cosine, grows. The first
 * head here that changes non-target logits.
 *
 * `t` is the non-trainable weight `t` (initially 0), updated on training calls before it is used, as
 * the reference (`head/metrics.py`) does, saved and restored with the model; `evaluate` and `predict`
 * read it. `t` is not differentiated through; the hard negatives' derivative `t + 2 cos θ_j` is
 * analytic. Warm-up (`setMarginStrength`) scales `m`.
 *
 * @example
 * ```ts
 * const head = layers.curricularFace({ numClasses: 3, scale: 16, margin: 0.3 });
 * const logits = head.apply([tf.randomNormal([4, 8]), tf.tensor1d([0, 1, 2, 0], 'int32')], { training: true });
 * console.log(await head.curriculum()); // t after one training call: 0.01 · mean target cosine
 * ```
 */
export class CurricularFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginCurricularFace';
  readonly margin: number;
  readonly scale: number;
  readonly momentum: number;
  override readonly gradient: MarginGradient;
  private t: tfl.LayerVariable | null = null;

  constructor(args: CurricularFaceArgs) {
    super(args, ['margin', 'scale', 'momentum', 'gradient']);
    this.margin = numberInRange(this.headName, 'margin', args.margin ?? 0.5, 0, Math.PI);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.momentum = unitFraction(this.headName, 'momentum', args.momentum ?? 0.01);
    this.gradient = gradientArg(this.headName, args.gradient);
  }

  protected marginAt(strength: number): TargetMargin {
    return additiveAngularMargin(this.margin * strength);
  }

  /** The non-trainable `t`. */
  protected override buildState(weight: StateWeightFactory): void {
    this.t = weight('t', 0);
  }

  /** Adds the hard negatives; a training call first moves `t` toward the batch's mean target cosine. */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    const call = super.marginForCall(x, training);
    const weight = this.t!;
    const m = this.margin * this.marginStrength;
    const fixed = curricularHardNegatives(m, 0);
    return {
      ...call,
      hardNegatives: {
        apply: (cTarget) => {
          const previous = weight.read();
          let t: tf.Tensor = previous;
          if (training) {
            t = tf.add(tf.mul(tf.mean(cTarget), this.momentum), tf.mul(previous, 1 - this.momentum));
            weight.write(t);
          }
          return { threshold: fixed.apply(cTarget).threshold, t };
        },
      },
    };
  }

  /** The curriculum weight `t` (reads a weight: one device sync). */
  async curriculum(): Promise<number> {
    return this.t === null ? 0 : (await this.t.read().data())[0]!;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      margin: this.margin,
      scale: this.scale,
      momentum: this.momentum,
      gradient: this.gradient,
    };
  }
}
registerLayer(CurricularFace);

/**
 * Creates a {@link CurricularFace} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.curricularFace({ numClasses: 3, scale: 16, margin: 0.3 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 }); // t moves once per batch
 * ```
 */
export function curricularFace(args: CurricularFaceArgs): CurricularFace {
  return new CurricularFace(args);
}
