import { booleanArg, integerAtLeast } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { additiveCosineMargin } from '../ops/margins/additiveCosineMargin';
import { adaCosDynamicScale, adaCosFixedScale } from '../ops/margins/adaCosScale';
import type { TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import {
  type CallMargin,
  type HeadGeometry,
  type MarginHeadArgs,
  MarginSoftmaxHead,
  type StateWeightFactory,
} from './marginSoftmaxHead';

/** Arguments of {@link AdaCos}. */
export interface AdaCosArgs extends MarginHeadArgs {
  /** Adapt the scale to each training batch (default `true`); `false` keeps the fixed `√2 ln(C − 1)`. */
  dynamic?: boolean;
}

/**
 * AdaCos head (Zhang, Zhao, Yan, Yi & Wang, CVPR 2019, "AdaCos: Adaptively Scaling Cosine Logits for
 * Effectively Learning Deep Face Representations"): cosine logits `s cos θ_j` with no margin and no
 * scale to tune. The fixed scale is `√2 ln(C − 1)` ({@link ops.margins.adaCosFixedScale}); the dynamic
 * one is recomputed on every training call from the batch, `s ← ln B_avg / cos(min(π/4, θ_med))`
 * with `B_avg` the mean over samples of `Σ_{j≠y} exp(s cos θ_j)` at the previous `s` and `θ_med` the
 * median target angle ({@link ops.margins.adaCosDynamicScale}), before it is used, as the paper's
 * algorithm does. The scale is not differentiated through.
 *
 * The dynamic scale is the non-trainable weight `scale` (initially the fixed scale): saved and
 * restored with the model; `evaluate`, `predict` and calls without labels read it. Needs
 * `numClasses ≥ 3`. There is no margin, so warm-up (`setMarginStrength`) changes nothing.
 *
 * @example
 * ```ts
 * const head = layers.adaCos({ numClasses: 10 });
 * head.apply([tf.randomNormal([4, 8]), tf.tensor1d([0, 1, 2, 3], 'int32')], { training: true });
 * console.log(await head.currentScale()); // moved from √2 ln 9 = 3.107 to the batch's scale
 * ```
 */
export class AdaCos extends MarginSoftmaxHead {
  static className = 'TfjsMarginAdaCos';
  readonly dynamic: boolean;
  /** The fixed scale `√2 ln(C − 1)`, and the dynamic scale's initial value. */
  readonly scale: number;
  private state: tfl.LayerVariable | null = null;

  constructor(args: AdaCosArgs) {
    super(args, ['dynamic']);
    integerAtLeast(this.headName, 'numClasses', args.numClasses, 3);
    this.dynamic = booleanArg(this.headName, 'dynamic', args.dynamic ?? true);
    this.scale = adaCosFixedScale(this.numClasses);
  }

  protected marginAt(): TargetMargin {
    return additiveCosineMargin(0);
  }

  protected override geometry(): HeadGeometry {
    const fixed = super.geometry();
    // A snapshot: a training call overwrites the weight with the new scale while the old one is in use.
    return this.state === null ? fixed : { ...fixed, scale: tf.clone(this.state.read()) as tf.Scalar };
  }

  /** When dynamic, the non-trainable `scale`. */
  protected override buildState(weight: StateWeightFactory): void {
    if (this.dynamic) this.state = weight('scale', this.scale);
  }

  /** A training call recomputes the scale from the batch, stores it, and uses it. */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    const call = super.marginForCall(x, training);
    if (!training || this.state === null) return call;
    const weight = this.state;
    const next = adaCosDynamicScale();
    return {
      ...call,
      dynamicScale: {
        apply: (logits, cTarget, nonTarget) => {
          const s = next.apply(logits, cTarget, nonTarget);
          weight.write(s);
          return s;
        },
      },
    };
  }

  /** The scale in use: the dynamic one (reads a weight: one device sync), or the fixed one. */
  async currentScale(): Promise<number> {
    return this.state === null ? this.scale : (await this.state.read().data())[0]!;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dynamic: this.dynamic };
  }
}
registerLayer(AdaCos);

/**
 * Creates an {@link AdaCos} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.adaCos({ numClasses: 5 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 4], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 5), { epochs: 1, verbose: 0 }); // the scale adapts once per batch
 * ```
 */
export function adaCos(args: AdaCosArgs): AdaCos {
  return new AdaCos(args);
}
