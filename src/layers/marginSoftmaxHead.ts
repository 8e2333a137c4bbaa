import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkWeightSize } from '../internal/bounds';
import { MarginArgumentError } from '../internal/errors';
import { booleanArg, integerAtLeast, optionalSeed } from '../internal/validate';
import { marginLogits } from '../ops/marginLogits';
import type {
  DynamicScale,
  HardNegatives,
  MarginGradient,
  NegativeTransform,
  TargetMargin,
} from '../ops/margins/targetMargin';
import { HeadInputs } from './headInputs';
import { checkLayerKeys, formatTag, type Kwargs, type LayerArgs, singleShape } from './layerConfig';

/** Arguments every margin head takes. */
export interface MarginHeadArgs extends LayerArgs {
  /** Number of classes (identities). A positive integer. */
  numClasses: number;
  /**
   * Check each call's inputs (default `true`): labels are integers in `[0, numClasses)` and
   * embeddings are finite. Costs one device→host read of `N + 1` numbers per call (a GPU sync on
   * webgl). Turn off in hot loops once the data pipeline is trusted. On webgpu synchronous reads are
   * unsafe, so only shapes and dtypes are checked there: call `await head.validateInputs(x, labels)`.
   */
  checkInputs?: boolean;
  /** Seed of the kernel's Glorot-uniform initializer, for reproducible runs. Default: random. */
  seed?: number | null;
}

const MARGIN_HEAD_KEYS = ['numClasses', 'checkInputs', 'seed'] as const;

/** How a head forms its logits: what {@link ops.marginLogits} needs besides the margin. */
export interface HeadGeometry {
  normalizeInputs: boolean;
  normalizeWeights: boolean;
  subCenters: number;
  /** A number, or a scalar tensor for heads whose scale is state (AdaCos). */
  scale: number | tf.Scalar;
  gradient: MarginGradient;
}

/** What a head's margin is for one call: see `MarginSoftmaxHead.marginForCall`. */
export interface CallMargin {
  margin: TargetMargin;
  lambda: tf.Scalar | null;
  hardNegatives?: HardNegatives;
  negatives?: NegativeTransform;
  dynamicScale?: DynamicScale;
}

/** Creates one scalar state weight (non-trainable, initialised to `value`) on the layer that owns it. */
export type StateWeightFactory = (name: string, value: number) => tfl.LayerVariable;

/** What a layer that applies a head's margin to its own centers needs for one call (Partial FC). */
export interface MarginStrategy extends CallMargin {
  /** The logit scale of this call (a scalar tensor for AdaCos's state). */
  scale: number | tf.Scalar;
}

/** The prefix every layer of this package carries in its registered `className`. */
const CLASS_PREFIX = 'TfjsMargin';

/**
 * Base of every margin-based softmax head. A head is applied to `[embeddings, labels]` — embeddings
 * `[N, D]`, labels `[N]` or `[N, 1]` (int32, or float32 holding integers, so `tf.input({shape: [1]})`
 * works) — and returns `[N, numClasses]` logits for `losses.softmaxCrossEntropy` with one-hot targets.
 * The margin is applied whenever labels are given, whatever `training` says, so `fit` and `evaluate`
 * agree; applied to embeddings alone it returns margin-free logits for inference.
 *
 * It owns the class centers, a weight named `kernel` of shape `[D, numClasses · subCenters]`, and
 * computes everything through {@link ops.marginLogits}: normalization, the cosine matmul, target
 * selection, the target transform, scaling, and one analytic backward pass.
 *
 * A head supplies its arguments, one margin hook (`marginAt`) and `getConfig`; its public name
 * is its registered `className` without the `TfjsMargin` prefix. By default both sides are
 * normalized, one center per class, with the `scale` and `gradient` the head declares.
 */
export abstract class MarginSoftmaxHead extends tfl.layers.Layer {
  readonly numClasses: number;
  readonly checkInputs: boolean;
  readonly seed: number | null;
  /** Logit scale `s`. */
  abstract readonly scale: number;
  /** The margin's backward pass; heads without the option use `'exact'`. */
  readonly gradient?: MarginGradient;
  /** The layer's public name in messages, e.g. `ArcFace`. */
  protected readonly headName: string;
  private readonly inputs: HeadInputs;
  protected kernel: tfl.LayerVariable | null = null;
  private inputDim: number | null = null;
  private strength = 1;
  private fullMargin: TargetMargin | null = null;
  private warmupMargin: { strength: number; psi: TargetMargin } | null = null;

  /**
   * @param args The head's configuration.
   * @param ownKeys The configuration keys the head adds to {@link MarginHeadArgs}'s: anything else is
   *   rejected, on construction and on load.
   */
  protected constructor(args: MarginHeadArgs, ownKeys: readonly string[]) {
    const name = (new.target as unknown as { className: string }).className.replace(CLASS_PREFIX, '');
    checkLayerKeys(name, args, [...MARGIN_HEAD_KEYS, ...ownKeys]);
    super(args);
    this.headName = name;
    this.numClasses = integerAtLeast(name, 'numClasses', args.numClasses, 1);
    this.checkInputs = booleanArg(name, 'checkInputs', args.checkInputs ?? true);
    this.seed = optionalSeed(name, args.seed);
    this.inputs = new HeadInputs(name, this.numClasses, () => this.embeddingBound());
  }

  /**
   * The target transform ψ at margin strength `t ∈ [0, 1]`; `t = 1` is the configured margin, `t = 0`
   * no margin at all (see {@link setMarginStrength}).
   */
  protected abstract marginAt(strength: number): TargetMargin;

  /** Normalizations, sub-centers, scale and gradient mode. */
  protected geometry(): HeadGeometry {
    return {
      normalizeInputs: true,
      normalizeWeights: true,
      subCenters: 1,
      scale: this.scale,
      gradient: this.gradient ?? 'exact',
    };
  }

  /**
   * The margin of one call with labels: ψ at the current strength and, for heads with state, what
   * their state adds (λ of the annealed heads, CurricularFace's hard negatives, AdaFace's norm
   * statistics). A training call advances that state first (the λ clock, the EMAs), as the
   * references do; other calls only read it.
   */
  protected marginForCall(_x: tf.Tensor2D, _training: boolean): CallMargin {
    return { margin: this.currentMargin(), lambda: null };
  }

  /**
   * Largest embedding entry magnitude the head accepts: unbounded (finite) for heads that normalize
   * the embeddings; heads whose logits carry `|x|` bound it so the logits stay within float32.
   */
  protected embeddingBound(): number {
    return Infinity;
  }

  /** The margin strength `t` in use, `1` (the full margin) unless set by {@link setMarginStrength}. */
  get marginStrength(): number {
    return this.strength;
  }

  /**
   * Scales the margin for warm-up schedules (see `callbacks.marginWarmup`): `t = 0` gives plain
   * normalized-softmax logits (no margin), `t = 1` the configured margin. ArcFace, CosFace, combined
   * and sub-center margins scale `m` itself; L-Softmax and SphereFace blend `(1 − t) cos θ + t ψ(θ)`.
   * Runtime training state: not saved with the model (a saved head has the full margin).
   */
  setMarginStrength(strength: number): void {
    if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
      throw new MarginArgumentError(`${this.headName}.setMarginStrength`, 'strength', 'a number in [0, 1]', strength);
    }
    this.strength = strength;
  }

  /** ψ at the current strength: the full margin is built once, a warm-up strength when it changes. */
  protected currentMargin(): TargetMargin {
    if (this.strength === 1) return (this.fullMargin ??= this.marginAt(1));
    if (this.warmupMargin?.strength !== this.strength) {
      this.warmupMargin = { strength: this.strength, psi: this.marginAt(this.strength) };
    }
    return this.warmupMargin.psi;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.inputs.embeddingSize(inputShape);
    const { subCenters } = this.geometry();
    checkWeightSize(this.headName, 'numClasses', this.numClasses, d * subCenters);
    this.inputDim = d;
    this.kernel = this.addWeight(
      'kernel',
      [d, this.numClasses * subCenters],
      'float32',
      tfl.initializers.glorotUniform(this.seed === null ? {} : { seed: this.seed }),
    );
    this.buildState((name, value) =>
      this.addWeight(name, [], 'float32', tfl.initializers.constant({ value }), undefined, false),
    );
    this.built = true;
  }

  /**
   * Creates the head's state weights (AdaFace's norm statistics, CurricularFace's `t`, AdaCos's
   * scale) through `weight`; none by default. Called by `build`, or by the layer that uses this
   * head as its margin strategy (Partial FC), which then owns and saves them.
   */
  protected buildState(_weight: StateWeightFactory): void {}

  /**
   * Throws unless this head can be another layer's margin strategy (Partial FC): it must normalize
   * embeddings and centers, with one center per class.
   */
  checkMarginStrategy(where: string): void {
    const g = this.geometry();
    if (!g.normalizeInputs || !g.normalizeWeights || g.subCenters !== 1) {
      throw new MarginArgumentError(
        where,
        'margin',
        'a head that normalizes embeddings and centers, one center per class (not L-Softmax, SphereFace or sub-center ArcFace)',
        this.headName,
      );
    }
  }

  /**
   * Uses this head as the margin of another layer's logits over its own class centers (Partial FC):
   * creates the head's state as that layer's weights (through `weight`); its own kernel is never built.
   */
  attachState(weight: StateWeightFactory): void {
    this.buildState(weight);
  }

  /**
   * The margin of one call with labels, as this head would apply it, for a layer that uses this head
   * as its margin strategy (Partial FC): ψ at the current strength, the head's state (advanced first
   * on training calls) and the scale. `x` is the batch's raw `[N, D]` embeddings.
   */
  marginStrategy(x: tf.Tensor2D, training: boolean): MarginStrategy {
    return { ...this.marginForCall(x, training), scale: this.logitScale() };
  }

  /** The logit scale in use: `scale`, or AdaCos's stored adaptive scale (a scalar tensor, in a tidy). */
  logitScale(): number | tf.Scalar {
    return this.geometry().scale;
  }

  /**
   * A per-sample term the head adds to the training loss (`[N]`), or `null`: MagFace's norm
   * regularizer. Partial FC adds it to its per-sample loss.
   */
  sampleRegularizer(_x: tf.Tensor2D): tf.Tensor1D | null {
    return null;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const first = Array.isArray(inputShape[0])
      ? (inputShape as tfl.Shape[])[0]!
      : singleShape(this.headName, inputShape);
    return [first[0] ?? null, this.numClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, labels] = this.inputs.split(inputs);
      const kernel = this.inputs.built(this.kernel, 'kernel').read() as tf.Tensor2D;
      const x = this.inputs.embeddings(embeddings, this.inputDim!);
      const options = { ...this.geometry(), margin: this.currentMargin(), checkTargets: false };
      if (labels === null) {
        if (this.checkInputs) this.inputs.checkValues(x, null);
        return marginLogits(x, kernel, null, null, options);
      }
      const y = this.inputs.labels(labels, x.shape[0]);
      if (this.checkInputs) this.inputs.checkValues(x, labels);
      const { lambda, ...call } = this.marginForCall(x, kwargs['training'] === true);
      return marginLogits(x, kernel, y, lambda, { ...options, ...call });
    });
  }

  /**
   * The value checks of `checkInputs`, asynchronously and on every backend: rejects NaN/Infinity
   * embeddings and labels outside `[0, numClasses)` with the same errors a call would throw.
   */
  validateInputs(embeddings: tf.Tensor, labels?: tf.Tensor): Promise<void> {
    return this.inputs.validate(embeddings, labels);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...formatTag(),
      numClasses: this.numClasses,
      checkInputs: this.checkInputs,
      seed: this.seed,
    };
  }
}
