import { integerMarginInRange, scaleArg } from '../internal/bounds';
import { gradientArg } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MAX_UNNORMALIZED_EMBEDDING, MAX_UNNORMALIZED_EMBEDDING_HALF } from '../internal/limits';
import { isHalfPrecision } from '../internal/precision';
import { multiplicativeAngularMargin } from '../ops/margins/multiplicativeAngularMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { lambdaAt, lambdaValue, type LambdaSchedule, parseLambda } from './lambdaSchedule';
import { type CallMargin, type HeadGeometry, type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link LargeMarginSoftmax} and {@link SphereFace}. */
export interface LargeMarginSoftmaxArgs extends MarginHeadArgs {
  /** Integer angular margin `m`, 1–16. Default `4`. */
  margin?: number;
  /** Extra logit scale. Default `1`. */
  scale?: number;
  /** λ annealing `{base, gamma, power, min}`; omitted: λ = 0 (the pure margin). */
  lambda?: LambdaSchedule;
  /** `'exact'` (default) or `'straightThrough'` (ψ' = 1 in the backward pass). */
  gradient?: MarginGradient;
}

/**
 * Base of the multiplicative-angular-margin heads (L-Softmax, SphereFace): target `ψ(θ_y)` with
 * `ψ(θ) = (−1)^k cos(mθ) − 2k` and logits that carry `|x|`. Warm-up strength `t` blends
 * `(1 − t) cos θ + t ψ(θ)` (their λ annealing with `λ = (1 − t)/t`), since an integer margin cannot be
 * scaled; the λ schedule counts training calls in the non-trainable weight `iteration`.
 */
export abstract class MultiplicativeMarginHead extends MarginSoftmaxHead {
  readonly margin: number;
  readonly scale: number;
  readonly lambda: LambdaSchedule | null;
  override readonly gradient: MarginGradient;
  private iteration: tfl.LayerVariable | null = null;

  constructor(args: LargeMarginSoftmaxArgs) {
    super(args, ['margin', 'scale', 'lambda', 'gradient']);
    this.margin = integerMarginInRange(this.headName, 'margin', args.margin ?? 4);
    this.scale = scaleArg(this.headName, args.scale, 1);
    this.lambda = parseLambda(this.headName, args.lambda);
    this.gradient = gradientArg(this.headName, args.gradient);
  }

  /** `true` for SphereFace (normalized centers), `false` for L-Softmax (`|W_j|` in the logits). */
  protected abstract readonly normalizesWeights: boolean;

  protected override geometry(): HeadGeometry {
    return { ...super.geometry(), normalizeInputs: false, normalizeWeights: this.normalizesWeights };
  }

  protected marginAt(strength: number): TargetMargin {
    const psi = multiplicativeAngularMargin(this.margin);
    if (strength === 1) return psi;
    return {
      apply: (c, gradient) => {
        const full = psi.apply(c, gradient);
        return {
          value: tf.add(tf.mul(full.value, strength), tf.mul(c, 1 - strength)),
          derivative: full.derivative === null ? null : tf.add(tf.mul(full.derivative, strength), 1 - strength),
        };
      },
    };
  }

  protected override embeddingBound(): number {
    return isHalfPrecision() ? MAX_UNNORMALIZED_EMBEDDING_HALF : MAX_UNNORMALIZED_EMBEDDING;
  }

  /** Creates the kernel and, with a λ schedule, the `iteration` counter. */
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    super.build(inputShape);
    if (this.lambda !== null) {
      // Non-trainable, so it is saved with the weights and restored on load.
      this.iteration = this.addWeight('iteration', [], 'float32', tfl.initializers.zeros(), undefined, false);
    }
  }

  /** Adds λ of the schedule; a training call counts itself (the schedule's clock). */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    const call = super.marginForCall(x, training);
    if (this.lambda === null || this.iteration === null) return call;
    const t = this.iteration.read();
    const lambda = lambdaAt(this.lambda, t);
    if (training) this.iteration.write(tf.add(t, 1));
    return { ...call, lambda };
  }

  /** Training forward calls counted so far (reads a weight: one device sync). */
  async iterations(): Promise<number> {
    return this.iteration === null ? 0 : (await this.iteration.read().data())[0]!;
  }

  /** The λ the next training call will use. */
  async currentLambda(): Promise<number> {
    return this.lambda === null ? 0 : lambdaValue(this.lambda, await this.iterations());
  }

  /** The configuration `tf.loadLayersModel` rebuilds the head from. */
  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      margin: this.margin,
      scale: this.scale,
      gradient: this.gradient,
    };
    if (this.lambda !== null) config['lambda'] = { ...this.lambda };
    return config;
  }
}
