import { scaleArg } from '../internal/bounds';
import { gradientArg, positiveNumberAtMost, unitFraction } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { adaFaceMargin } from '../ops/margins/adaFaceMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type CallMargin, type MarginHeadArgs, MarginSoftmaxHead, type StateWeightFactory } from './marginSoftmaxHead';

/** Arguments of {@link AdaFace}. */
export interface AdaFaceArgs extends MarginHeadArgs {
  /** Margin `m`, in `[0, π)`: angular for high-norm samples, additive for low-norm ones. Default `0.4`. */
  margin?: number;
  /** Concentration `h` in `(0, 10]`: the norm deviation, in standard deviations, that takes the full margin range is `1/h`. Default `0.333`. */
  h?: number;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** EMA rate of the norm statistics, in `(0, 1]`. Default `0.01`. */
  tAlpha?: number;
  /** `'exact'` (default, the reference's autograd) or `'straightThrough'` (`ψ' = 1`). */
  gradient?: MarginGradient;
}

/**
 * AdaFace head (Kim, Jain & Liu, CVPR 2022, "AdaFace: Quality Adaptive Margin for Face Recognition"):
 * a margin that adapts to image quality, approximated by the feature norm `‖x‖` (computed by the head
 * from the raw embeddings, clipped to `[0.001, 100]`, not differentiated through). With `μ`, `σ` the EMAs
 * of the batches' norm mean and unbiased standard deviation, `ĝ = clip(h (‖x‖ − μ)/(σ + 0.001), −1, 1)`
 * and the target logit `s (cos(θ_y − m ĝ) − m ĝ − m)` (the angle clipped to `[0.001, π − 0.001]`);
 * others `s cos θ_j`. See {@link ops.margins.adaFaceMargin}.
 *
 * The statistics are the non-trainable weights `batch_mean` (initially 20) and `batch_std` (100),
 * updated on training calls before they are used (a batch of one keeps the previous `σ`: its standard
 * deviation is undefined), saved and restored with the model; `evaluate` and `predict` read them.
 * Differences from the reference (`head.py`): the head takes raw embeddings and computes their norm;
 * non-target cosines are not clamped to `±(1 − 0.001)` (identical inside that range). Warm-up scales `m`.
 *
 * @example
 * ```ts
 * const head = layers.adaFace({ numClasses: 3, scale: 16 });
 * const logits = head.apply([tf.randomNormal([4, 8]), tf.tensor1d([0, 1, 2, 0], 'int32')], { training: true });
 * console.log(await head.normStatistics()); // { mean, std } after one training call
 * ```
 */
export class AdaFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginAdaFace';
  readonly margin: number;
  readonly h: number;
  readonly scale: number;
  readonly tAlpha: number;
  override readonly gradient: MarginGradient;
  private mean: tfl.LayerVariable | null = null;
  private std: tfl.LayerVariable | null = null;

  constructor(args: AdaFaceArgs) {
    super(args, ['margin', 'h', 'scale', 'tAlpha', 'gradient']);
    const margin = args.margin ?? 0.4;
    if (typeof margin !== 'number' || !(margin >= 0 && margin < Math.PI)) {
      throw new MarginArgumentError(this.headName, 'margin', 'a number in [0, π)', margin);
    }
    this.margin = margin;
    this.h = positiveNumberAtMost(this.headName, 'h', args.h ?? 0.333, 10);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.tAlpha = unitFraction(this.headName, 'tAlpha', args.tAlpha ?? 0.01);
    this.gradient = gradientArg(this.headName, args.gradient);
  }

  protected marginAt(strength: number): TargetMargin {
    return this.marginWith(strength, 20, 100);
  }

  private marginWith(strength: number, mean: number | tf.Scalar, std: number | tf.Scalar): TargetMargin {
    return adaFaceMargin({ margin: this.margin * strength, h: this.h, mean, std });
  }

  /** The non-trainable norm statistics. */
  protected override buildState(weight: StateWeightFactory): void {
    this.mean = weight('batch_mean', 20);
    this.std = weight('batch_std', 100);
  }

  /** The margin from the norm statistics; a training call first moves them toward the batch's. */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    let mean = this.mean!.read() as tf.Scalar;
    let std = this.std!.read() as tf.Scalar;
    if (training) {
      const norms = tf.clipByValue(tf.norm(x, 'euclidean', 1), 1e-3, 100);
      const n = x.shape[0];
      const batchMean = tf.mean(norms);
      mean = tf.add(tf.mul(batchMean, this.tAlpha), tf.mul(mean, 1 - this.tAlpha)) as tf.Scalar;
      this.mean!.write(mean);
      if (n > 1) {
        const variance = tf.div(tf.sum(tf.square(tf.sub(norms, batchMean))), n - 1);
        std = tf.add(tf.mul(tf.sqrt(variance), this.tAlpha), tf.mul(std, 1 - this.tAlpha)) as tf.Scalar;
        this.std!.write(std);
      }
    }
    return { margin: this.marginWith(this.marginStrength, mean, std), lambda: null };
  }

  /** The norm statistics `{mean, std}` in use (reads two weights: one device sync each). */
  async normStatistics(): Promise<{ mean: number; std: number }> {
    if (this.mean === null || this.std === null) return { mean: 20, std: 100 };
    return { mean: (await this.mean.read().data())[0]!, std: (await this.std.read().data())[0]! };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      margin: this.margin,
      h: this.h,
      scale: this.scale,
      tAlpha: this.tAlpha,
      gradient: this.gradient,
    };
  }
}
registerLayer(AdaFace);

/**
 * Creates an {@link AdaFace} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.adaFace({ numClasses: 3, scale: 16, margin: 0.4 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 });
 * ```
 */
export function adaFace(args: AdaFaceArgs): AdaFace {
  return new AdaFace(args);
}
