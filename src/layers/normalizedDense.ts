import { checkWeightSize, scaleInRange } from '../internal/bounds';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MarginArgumentError } from '../internal/errors';
import { booleanArg, integerAtLeast, optionalSeed } from '../internal/validate';
import { normalizedLinear } from '../ops/normalizedLinear';
import {
  checkLayerKeys,
  formatTag,
  type Kwargs,
  type LayerArgs,
  registerLayer,
  singleInput,
  singleShape,
} from './layerConfig';

/** Arguments of {@link NormalizedDense}. */
export interface NormalizedDenseArgs extends LayerArgs {
  /** Number of output units (classes). A positive integer. */
  units: number;
  /** Divide each input row by its L2 norm. Default `true`; `false` gives the "modified softmax" `|x| cos θ_j`. */
  normalizeInputs?: boolean;
  /** Divide each kernel column by its L2 norm. Default `true`. */
  normalizeWeights?: boolean;
  /** Multiplies the logits (NormFace's `s`). Finite, `> 0`. Default `1`. */
  scale?: number;
  /** Make the scale a trainable weight named `scale`, initialized to `scale`. Default `false`. */
  learnScale?: boolean;
  /** Seed of the kernel's Glorot-uniform initializer, for reproducible runs. Default: random. */
  seed?: number | null;
}

const OWN_KEYS = ['units', 'normalizeInputs', 'normalizeWeights', 'scale', 'learnScale', 'seed'] as const;

/**
 * A bias-free dense layer over normalized inputs and/or normalized weights, with one analytic
 * backward pass through both normalizations (see {@link ops.normalizedLinear}).
 *
 * `logits_j = s · x̂ · Ŵ_j = s cos θ_j` (NormFace: Wang et al. 2017, "NormFace: L2 Hypersphere
 * Embedding for Face Verification"). With `normalizeInputs: false` it is the "modified softmax" of
 * SphereFace (Liu et al. 2017): `logits_j = |x| cos θ_j`, weights normalized and no bias.
 *
 * Weights: `kernel` `[inputDim, units]`; with `learnScale`, a scalar `scale`.
 * Input `[N, inputDim]`, output `[N, units]`.
 *
 * Recommended (README, "Choosing a head"): as a classifier head prefer a margin head; NormFace at
 * `scale 30` without a margin was 5 points worse than softmax on the Omniglot benchmark.
 */
export class NormalizedDense extends tfl.layers.Layer {
  static className = 'TfjsMarginNormalizedDense';
  readonly units: number;
  readonly normalizeInputs: boolean;
  readonly normalizeWeights: boolean;
  readonly scale: number;
  readonly learnScale: boolean;
  readonly seed: number | null;
  private kernel: tfl.LayerVariable | null = null;
  private scaleWeight: tfl.LayerVariable | null = null;

  constructor(args: NormalizedDenseArgs) {
    checkLayerKeys('NormalizedDense', args, OWN_KEYS);
    super(args);
    const where = 'NormalizedDense';
    this.units = integerAtLeast(where, 'units', args.units, 1);
    this.normalizeInputs = booleanArg(where, 'normalizeInputs', args.normalizeInputs ?? true);
    this.normalizeWeights = booleanArg(where, 'normalizeWeights', args.normalizeWeights ?? true);
    this.scale = scaleInRange(where, args.scale ?? 1);
    this.learnScale = booleanArg(where, 'learnScale', args.learnScale ?? false);
    this.seed = optionalSeed(where, args.seed);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape('NormalizedDense', inputShape);
    const inputDim = shape[shape.length - 1];
    if (shape.length !== 2 || typeof inputDim !== 'number') {
      throw new MarginArgumentError('NormalizedDense', 'inputShape', '[batch, inputDim] with a known inputDim', shape);
    }
    checkWeightSize('NormalizedDense', 'units', this.units, inputDim);
    this.kernel = this.addWeight(
      'kernel',
      [inputDim, this.units],
      'float32',
      tfl.initializers.glorotUniform(this.seed === null ? {} : { seed: this.seed }),
    );
    if (this.learnScale) {
      this.scaleWeight = this.addWeight('scale', [], 'float32', tfl.initializers.constant({ value: this.scale }));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = singleShape('NormalizedDense', inputShape);
    return [shape[0] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput('NormalizedDense', inputs);
      if (this.kernel === null) {
        throw new MarginArgumentError(
          'NormalizedDense',
          'kernel',
          'built before the layer is called',
          'an unbuilt layer',
        );
      }
      return normalizedLinear(x, this.kernel.read(), {
        normalizeInputs: this.normalizeInputs,
        normalizeWeights: this.normalizeWeights,
        scale: this.scaleWeight === null ? this.scale : (this.scaleWeight.read() as tf.Scalar),
      });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...formatTag(),
      units: this.units,
      normalizeInputs: this.normalizeInputs,
      normalizeWeights: this.normalizeWeights,
      scale: this.scale,
      learnScale: this.learnScale,
      seed: this.seed,
    };
  }
}
registerLayer(NormalizedDense);

/**
 * Creates a {@link NormalizedDense} layer: NormFace cosine logits `s cos θ_j`, or with
 * `normalizeInputs: false` the "modified softmax" `|x| cos θ_j`.
 *
 * @example
 * ```ts
 * const input = tf.input({ shape: [8] });
 * const logits = layers.normalizedDense({ units: 10, scale: 16 }).apply(input) as tf.SymbolicTensor; // 16·cos θ_j
 * const model = tf.model({ inputs: input, outputs: logits });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * ```
 */
export function normalizedDense(args: NormalizedDenseArgs): NormalizedDense {
  return new NormalizedDense(args);
}
