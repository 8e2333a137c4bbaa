import { scaleArg } from '../internal/bounds';
import { nonNegativeNumber } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { magFaceMargin, magFaceOptions } from '../ops/margins/magFaceMargin';
import type { TargetMargin } from '../ops/margins/targetMargin';
import { type Kwargs, registerLayer } from './layerConfig';
import { type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link MagFace}. */
export interface MagFaceArgs extends MarginHeadArgs {
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** Lower norm bound `l_a > 0`. Default `10`. */
  lowerNorm?: number;
  /** Upper norm bound `u_a > l_a`. Default `110`. */
  upperNorm?: number;
  /** Margin at `l_a`, radians in `[0, π)`. Default `0.45`. */
  lowerMargin?: number;
  /** Margin at `u_a`, radians in `[0, π)`. Default `0.8`. */
  upperMargin?: number;
  /** Weight `λ_g ≥ 0` of the norm regularizer in the training loss. Default `35`. */
  lambdaG?: number;
  /** The margin applies only where `cos θ > 0` (ArcFace's easy margin). Default `true`. */
  easyMargin?: boolean;
}

/**
 * MagFace head (Meng, Zhao, Huang, Wang & Tan, CVPR 2021, "MagFace: A Universal Representation for Face
 * Recognition and Quality Assessment"): the feature norm `a = clip(‖x‖, l_a, u_a)` becomes a quality
 * score. The target logit is `s cos(θ_y + m(a))` with `m(a)` linear from `l_m` at `l_a` to `u_m` at
 * `u_a` (see {@link ops.margins.magFaceMargin}; the gradient reaches the norm through `m`), and the
 * training loss gains `λ_g · mean g(a)`, `g(a) = a / u_a² + 1 / a`, which rewards larger norms
 * against the larger margin they bring — so well-separated (high quality) samples end up with large
 * norms.
 *
 * The regularizer enters `model.fit`'s loss by itself: the head registers it with tfjs's layer losses
 * (`layer.addLoss`), which `fit` adds to the compiled loss on every training step (it shows in the
 * logged `loss`). A custom training loop adds `head.regularizer(embeddings)` (or
 * `tf.addN(model.calculateLosses())` after a training call) to its loss. `head.quality(embeddings)`
 * returns the norms as quality scores. Stateless; matches the reference's `MagLinear` + `MagLoss`
 * (`models/magface.py`) with the defaults of its `run.sh`.
 *
 * @example
 * ```ts
 * const head = layers.magFace({ numClasses: 3, scale: 16, lowerNorm: 1, upperNorm: 10 });
 * const x = tf.randomNormal([4, 8], 0, 2);
 * const logits = head.apply([x, tf.tensor1d([0, 1, 2, 0], 'int32')], { training: true }) as tf.Tensor;
 * head.quality(x).print(); // ‖x‖ per sample
 * ```
 */
export class MagFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginMagFace';
  readonly scale: number;
  readonly lowerNorm: number;
  readonly upperNorm: number;
  readonly lowerMargin: number;
  readonly upperMargin: number;
  readonly lambdaG: number;
  readonly easyMargin: boolean;
  /** The regularizer of the latest training call; owned by the caller's scope (fit's step). */
  private pending: tf.Scalar | null = null;

  constructor(args: MagFaceArgs) {
    super(args, ['scale', 'lowerNorm', 'upperNorm', 'lowerMargin', 'upperMargin', 'lambdaG', 'easyMargin']);
    this.scale = scaleArg(this.headName, args.scale, 64);
    const bounds = magFaceOptions(this.headName, {
      lowerNorm: args.lowerNorm ?? 10,
      upperNorm: args.upperNorm ?? 110,
      lowerMargin: args.lowerMargin ?? 0.45,
      upperMargin: args.upperMargin ?? 0.8,
      easyMargin: args.easyMargin ?? true,
    });
    this.lowerNorm = bounds.lowerNorm;
    this.upperNorm = bounds.upperNorm;
    this.lowerMargin = bounds.lowerMargin;
    this.upperMargin = bounds.upperMargin;
    this.easyMargin = bounds.easyMargin;
    this.lambdaG = nonNegativeNumber(this.headName, 'lambdaG', args.lambdaG ?? 35);
    if (this.lambdaG > 0) this.addLoss(() => this.latestRegularizer());
  }

  protected marginAt(strength: number): TargetMargin {
    return magFaceMargin({
      lowerNorm: this.lowerNorm,
      upperNorm: this.upperNorm,
      lowerMargin: this.lowerMargin * strength,
      upperMargin: this.upperMargin * strength,
      easyMargin: this.easyMargin,
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const logits = super.call(inputs, kwargs);
    if (kwargs['training'] === true && Array.isArray(inputs) && inputs.length === 2 && this.lambdaG > 0) {
      // Outside the call's tidy: the step's scope owns it, and fit's loss reads it through addLoss.
      this.pending = this.regularizer(inputs[0]!);
    }
    return logits;
  }

  private latestRegularizer(): tf.Scalar {
    return this.pending !== null && !this.pending.isDisposed ? this.pending : tf.scalar(0);
  }

  /** `‖x‖` per sample: MagFace's quality score (`[N]`). */
  quality(embeddings: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => tf.norm(embeddings, 'euclidean', -1) as tf.Tensor1D);
  }

  /**
   * The loss term `λ_g · mean_i g(a_i)`, `g(a) = a / u_a² + 1 / a`, `a = clip(‖x_i‖, l_a, u_a)`,
   * differentiable in the embeddings (zero gradient where the norm is clipped, as in the reference).
   */
  regularizer(embeddings: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mean(this.sampleRegularizer(embeddings as tf.Tensor2D)) as tf.Scalar);
  }

  /** `λ_g g(a_i)` per sample (`[N]`): Partial FC adds it to its per-sample loss. */
  override sampleRegularizer(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const a = tf.clipByValue(tf.norm(x, 'euclidean', -1), this.lowerNorm, this.upperNorm);
      return tf.mul(tf.add(tf.div(a, this.upperNorm ** 2), tf.reciprocal(a)), this.lambdaG) as tf.Tensor1D;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      scale: this.scale,
      lowerNorm: this.lowerNorm,
      upperNorm: this.upperNorm,
      lowerMargin: this.lowerMargin,
      upperMargin: this.upperMargin,
      lambdaG: this.lambdaG,
      easyMargin: this.easyMargin,
    };
  }
}
registerLayer(MagFace);

/**
 * Creates a {@link MagFace} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.magFace({ numClasses: 3, scale: 16, lowerNorm: 0.5, upperNorm: 20, lambdaG: 5 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 }); // loss includes λ_g · mean g(a)
 * ```
 */
export function magFace(args: MagFaceArgs): MagFace {
  return new MagFace(args);
}
