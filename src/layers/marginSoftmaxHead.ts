import { checkWeightSize, scaleInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError, describe, receivedText } from '../internal/errors';
import { booleanArg, floatTensor, integerAtLeast, optionalSeed, rankIs } from '../internal/validate';
import { canReadSync } from '../internal/syncRead';
import { parseLabels } from '../losses/labels';
import { checkLabelValues } from '../ops/validateLabels';
import { marginLogits } from '../ops/marginLogits';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { formatTag, type Kwargs, type LayerArgs, singleShape } from './layerConfig';

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

/** Keys of {@link MarginHeadArgs}, for config validation in subclasses. */
export const MARGIN_HEAD_KEYS = ['numClasses', 'checkInputs', 'seed'] as const;

/** Per-head constants the base class needs from a subclass. */
export interface HeadGeometry {
  normalizeInputs: boolean;
  normalizeWeights: boolean;
  subCenters: number;
  scale: number;
  gradient: MarginGradient;
}

/**
 * Base of every margin-based softmax head. A head is applied to `[embeddings, labels]` — embeddings
 * `[N, D]`, labels `[N]` or `[N, 1]` (int32, or float32 holding integers, so `tf.input({shape: [1]})`
 * works) — and returns `[N, numClasses]` logits for `losses.softmaxCrossEntropy` with one-hot targets.
 * The margin is applied whenever labels are given, whatever `training` says, so `fit` and `evaluate`
 * agree; applied to embeddings alone it returns margin-free logits for inference.
 *
 * It owns the class centres, a weight named `kernel` of shape `[D, numClasses · subCenters]`, and
 * computes everything through {@link ops.marginLogits}: normalization, the cosine matmul, target
 * selection with one-hot masks (no `gather` on weights), the target transform, scaling, and one
 * analytic backward pass. A subclass supplies its target transform and geometry.
 */
export abstract class MarginSoftmaxHead extends tfl.layers.Layer {
  readonly numClasses: number;
  readonly checkInputs: boolean;
  readonly seed: number | null;
  protected kernel: tfl.LayerVariable | null = null;
  private inputDim: number | null = null;
  private strength = 1;
  private strengthMargin: { strength: number; psi: TargetMargin } | null = null;

  constructor(args: MarginHeadArgs, where: string) {
    super(args);
    this.numClasses = integerAtLeast(where, 'numClasses', args.numClasses, 1);
    this.checkInputs = booleanArg(where, 'checkInputs', args.checkInputs ?? true);
    this.seed = optionalSeed(where, args.seed);
  }

  /** The layer's public name in messages, e.g. `ArcFace`. */
  protected abstract get headName(): string;
  /** The target transform ψ. */
  protected abstract targetMargin(): TargetMargin;
  /** Normalizations, sub-centres, scale and gradient mode. */
  protected abstract geometry(): HeadGeometry;
  /**
   * ψ at margin strength `t ∈ [0, 1)`. By default the blend `(1 − t) c + t ψ(c)` — for L-Softmax and
   * SphereFace exactly their λ annealing with `λ = (1 − t)/t`; heads with a continuous margin override
   * it to scale the margin itself (`m → t m`).
   */
  protected targetMarginAt(strength: number): TargetMargin {
    const psi = this.targetMargin();
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

  private currentMargin(): TargetMargin {
    if (this.strength === 1) return this.targetMargin();
    if (this.strengthMargin?.strength !== this.strength) {
      this.strengthMargin = { strength: this.strength, psi: this.targetMarginAt(this.strength) };
    }
    return this.strengthMargin.psi;
  }

  /** λ for annealed heads (L-Softmax, SphereFace); called once per call with labels. */
  protected lambdaFor(_training: boolean): tf.Scalar | null {
    return null;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[]) : [inputShape as tfl.Shape];
    const embeddingShape = shapes[0]!;
    const d = embeddingShape[1];
    if (embeddingShape.length !== 2 || typeof d !== 'number') {
      throw new MarginArgumentError(
        this.headName,
        'embeddings',
        'of shape [N, D] with a known D',
        `shape ${describe(embeddingShape)}`,
      );
    }
    this.inputDim = d;
    checkWeightSize(this.headName, 'numClasses', this.numClasses, d * this.geometry().subCenters);
    const columns = this.numClasses * this.geometry().subCenters;
    this.kernel = this.addWeight(
      'kernel',
      [d, columns],
      'float32',
      tfl.initializers.glorotUniform(this.seed === null ? {} : { seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const first = Array.isArray(inputShape[0])
      ? (inputShape as tfl.Shape[])[0]!
      : singleShape(this.headName, inputShape);
    return [first[0] ?? null, this.numClasses];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, labels] = this.splitInputs(inputs);
      const kernel = this.kernel;
      if (kernel === null) {
        throw new MarginArgumentError(
          this.headName,
          'kernel',
          'built before the head is called (apply it to a symbolic input or call build())',
          'an unbuilt layer',
        );
      }
      const x = floatTensor(this.headName, 'embeddings', embeddings);
      rankIs(this.headName, 'embeddings', x, 2, '[N, D]');
      if (x.shape[1] !== this.inputDim) {
        throw new MarginArgumentError(
          this.headName,
          'embeddings',
          `a [N, ${this.inputDim}] tensor (the D the head was built with)`,
          x,
        );
      }
      if (x.shape[0] === 0) throw new MarginArgumentError(this.headName, 'embeddings', 'a non-empty batch', x);
      const g = this.geometry();
      const options = { ...g, margin: this.currentMargin(), checkTargets: false };
      if (labels === null) {
        if (this.checkInputs) this.checkValues(x, null);
        return marginLogits(x as tf.Tensor2D, kernel.read() as tf.Tensor2D, null, null, options);
      }
      const y = parseLabels(this.headName, 'labels', labels, x.shape[0], this.numClasses, false);
      if (this.checkInputs) this.checkValues(x, labels);
      const lambda = this.lambdaFor(kwargs['training'] === true);
      return marginLogits(x as tf.Tensor2D, kernel.read() as tf.Tensor2D, y, lambda, options);
    });
  }

  private splitInputs(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor | null] {
    if (!Array.isArray(inputs)) return [inputs, null];
    if (inputs.length === 1) return [inputs[0]!, null];
    if (inputs.length !== 2) {
      throw new MarginArgumentError(
        this.headName,
        'inputs',
        '[embeddings, labels] or embeddings alone',
        `a list of ${inputs.length} tensors`,
      );
    }
    return [inputs[0]!, inputs[1]!];
  }

  /**
   * Largest embedding entry magnitude the head accepts: unbounded (finite) for heads that normalize
   * the embeddings; heads whose logits carry `|x|` bound it so the logits stay within float32.
   */
  protected embeddingBound(): number {
    return Infinity;
  }

  /**
   * The values `checkInputs` reads: the labels, then `Σ (x − x)` (NaN exactly when some embedding is
   * not finite), then `max |x|` when the head bounds it.
   */
  private valueProbe(x: tf.Tensor, labels: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const parts = [tf.reshape(tf.sum(tf.sub(x, x)), [1])];
      if (labels !== null) parts.unshift(tf.cast(tf.reshape(labels, [-1]), 'float32'));
      if (Number.isFinite(this.embeddingBound())) parts.push(tf.reshape(tf.max(tf.abs(x)), [1]));
      return tf.concat(parts);
    });
  }

  /** Index of the finiteness entry in the probe. */
  private finiteAt(values: ArrayLike<number>): number {
    return values.length - (Number.isFinite(this.embeddingBound()) ? 2 : 1);
  }

  private checkProbe(values: ArrayLike<number>, hasLabels: boolean): void {
    const at = this.finiteAt(values);
    if (Number.isNaN(values[at])) {
      throw new MarginArgumentError(this.headName, 'embeddings', 'finite values', 'NaN or Infinity');
    }
    const bound = this.embeddingBound();
    if (Number.isFinite(bound) && values[at + 1]! > Math.fround(bound)) {
      throw new MarginArgumentError(
        this.headName,
        'embeddings',
        `entries of magnitude at most ${bound} (the logits carry |x| and must stay within float32)`,
        receivedText(`an entry of magnitude ${values[at + 1]}`),
      );
    }
    if (hasLabels) checkLabelValues(this.headName, values, this.numClasses, at);
  }

  /** One device read (skipped on webgpu, see {@link MarginHeadArgs.checkInputs}). */
  private checkValues(x: tf.Tensor, labels: tf.Tensor | null): void {
    if (!canReadSync()) return;
    const probe = this.valueProbe(x, labels);
    const values = probe.dataSync();
    probe.dispose();
    if (Number.isNaN(values[this.finiteAt(values)])) this.rejectNonFinite(x.dataSync(), x.shape[1] ?? 1);
    this.checkProbe(values, labels !== null);
  }

  /** The error for non-finite embeddings, naming the first bad value (read only on this failure path). */
  private rejectNonFinite(values: ArrayLike<number>, d: number): never {
    let i = 0;
    while (i < values.length && Number.isFinite(values[i])) i++;
    const where = i < values.length ? `${values[i]} at [${Math.floor(i / d)}, ${i % d}]` : 'NaN or Infinity';
    throw new MarginArgumentError(this.headName, 'embeddings', 'finite values', where);
  }

  /**
   * The value checks of `checkInputs`, asynchronously and on every backend: rejects NaN/Infinity
   * embeddings and labels outside `[0, numClasses)` with the same errors a call would throw.
   */
  async validateInputs(embeddings: tf.Tensor, labels?: tf.Tensor): Promise<void> {
    const x = floatTensor(this.headName, 'embeddings', embeddings);
    if (labels !== undefined) {
      // Checks shape and dtype; for [N] int32 labels it returns the caller's own tensor.
      const parsed = parseLabels(this.headName, 'labels', labels, x.shape[0] ?? null, this.numClasses, false);
      if (parsed !== labels) parsed.dispose();
    }
    const probe = this.valueProbe(x, labels ?? null);
    try {
      const values = await probe.data();
      if (Number.isNaN(values[this.finiteAt(values)])) this.rejectNonFinite(await x.data(), x.shape[1] ?? 1);
      this.checkProbe(values, labels !== undefined);
    } finally {
      probe.dispose();
      if (x !== embeddings) x.dispose();
    }
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

/** Validates a logit scale. */
export function scaleArg(where: string, value: unknown, fallback: number): number {
  return scaleInRange(where, value ?? fallback);
}

/** Validates the gradient mode. */
export function gradientArg(where: string, value: unknown): MarginGradient {
  const g = value ?? 'exact';
  if (g !== 'exact' && g !== 'straightThrough') {
    throw new MarginArgumentError(where, 'gradient', "'exact' or 'straightThrough'", g);
  }
  return g;
}
