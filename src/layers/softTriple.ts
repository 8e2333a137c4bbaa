import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkWeightSize } from '../internal/bounds';
import { MarginArgumentError } from '../internal/errors';
import { oneHotFloat } from '../internal/oneHot';
import { booleanArg, integerInRange, integerAtLeast, optionalSeed, positiveNumber } from '../internal/validate';
import { numberBetween } from '../losses/metricBatch';
import { softmaxCrossEntropy } from '../losses/softmaxCrossEntropy';
import { l2Normalize } from '../ops/l2Normalize';
import { HeadInputs } from './headInputs';
import { checkLayerKeys, formatTag, type Kwargs, type LayerArgs, registerLayer } from './layerConfig';

/** Arguments of {@link SoftTriple}. */
export interface SoftTripleArgs extends LayerArgs {
  /** Number of classes `C`. */
  numClasses: number;
  /** Centers per class `K`, in `[1, 64]`. Default `10`. */
  centersPerClass?: number;
  /** The scale `λ` (> 0). Default `20`. */
  la?: number;
  /** The softmax temperature `γ` over a class's centers (> 0). Default `0.1`. */
  gamma?: number;
  /** The margin `δ`, in `[0, 1]`. Default `0.01`. */
  margin?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
  /** Seed of the centers' initializer, for reproducible runs. Default: random. */
  seed?: number | null;
}

const KEYS = ['numClasses', 'centersPerClass', 'la', 'gamma', 'margin', 'checkInputs', 'seed'] as const;

/**
 * The SoftTriple loss (Qian et al., ICCV 2019, "SoftTriple Loss: Deep Metric Learning Without Triplet
 * Sampling") as a layer owning `K` centers per class (`[D, C·K]`, one trainable weight named
 * `centers`, column `c·K + k`), with pytorch-metric-learning 2.9's `SoftTripleLoss` semantics (no
 * center regularizer, as PML's default). With `s_ick` the cosine between embedding `i` and center `k`
 * of class `c`, the class similarity is `S_ic = Σ_k softmax_k(s_ick / γ) s_ick` and
 * `L_i = −log softmax(λ (S_i − δ e_{y_i}))_{y_i}`.
 *
 * Applied to `[embeddings, labels]` it outputs the per-sample losses `[N, 1]` (compile with
 * `losses.precomputedLoss`); applied to embeddings alone, the class similarities `S` `[N, C]`.
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [4] });
 * const y = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 8 }).apply(x) as tf.SymbolicTensor;
 * const loss = layers.softTriple({ numClasses: 3, centersPerClass: 2 }).apply([embedding, y]) as tf.SymbolicTensor;
 * const model = tf.model({ inputs: [x, y], outputs: loss });
 * model.compile({ optimizer: 'adam', loss: losses.precomputedLoss });
 * const labels = tf.tensor2d([[0], [1], [2], [0]]);
 * await model.fit([tf.randomNormal([4, 4]), labels], labels, { epochs: 1, verbose: 0 });
 * ```
 */
export class SoftTriple extends tfl.layers.Layer {
  static className = 'TfjsMarginSoftTriple';
  readonly numClasses: number;
  readonly centersPerClass: number;
  readonly la: number;
  readonly gamma: number;
  readonly margin: number;
  readonly checkInputs: boolean;
  readonly seed: number | null;
  private centers: tfl.LayerVariable | null = null;
  private readonly inputs: HeadInputs;

  constructor(args: SoftTripleArgs) {
    const where = 'SoftTriple';
    checkLayerKeys(where, args, KEYS);
    super(args);
    this.numClasses = integerAtLeast(where, 'numClasses', args.numClasses, 1);
    this.centersPerClass = integerInRange(where, 'centersPerClass', args.centersPerClass ?? 10, 1, 64);
    this.la = positiveNumber(where, 'la', args.la ?? 20);
    this.gamma = positiveNumber(where, 'gamma', args.gamma ?? 0.1);
    this.margin = numberBetween(where, 'margin', args.margin ?? 0.01, 0, 1, ' (a cosine margin)');
    this.checkInputs = booleanArg(where, 'checkInputs', args.checkInputs ?? true);
    this.seed = optionalSeed(where, args.seed);
    this.inputs = new HeadInputs(where, this.numClasses);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.inputs.embeddingSize(inputShape);
    const columns = this.numClasses * this.centersPerClass;
    checkWeightSize('SoftTriple', 'numClasses', columns, d);
    // PML: kaiming_uniform_(a=√5) on [D, C·K], i.e. U(±1/√(C·K)); tfjs calls C·K the fan-out of [D, C·K].
    const init = tfl.initializers.varianceScaling({
      scale: 1 / 3,
      mode: 'fanOut',
      distribution: 'uniform',
      ...(this.seed === null ? {} : { seed: this.seed }),
    });
    this.centers = this.addWeight('centers', [d, columns], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    if (Array.isArray(inputShape[0])) return [(inputShape as tfl.Shape[])[0]![0] ?? null, 1];
    return [(inputShape as tfl.Shape)[0] ?? null, this.numClasses];
  }

  /** The `[D, C·K]` centers. */
  getCenters(): tf.Tensor2D {
    return this.inputs.built(this.centers, 'centers').read() as tf.Tensor2D;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, labelInput] = this.inputs.split(inputs);
      const w = this.inputs.built(this.centers, 'centers').read();
      const x = this.inputs.embeddings(embeddings, w.shape[0]!);
      const n = x.shape[0];
      const cos = tf.matMul(l2Normalize(x, { epsilon: 1e-24 }), l2Normalize(w, { axis: 0, epsilon: 1e-24 }));
      const perCenter = tf.reshape(cos, [n, this.numClasses, this.centersPerClass]);
      const weights = tf.softmax(tf.div(perCenter, this.gamma), -1);
      const similarity = tf.sum(tf.mul(weights, perCenter), -1) as tf.Tensor2D;
      if (labelInput === null) {
        if (this.checkInputs) this.inputs.checkValues(x, null);
        return similarity;
      }
      const labels = this.inputs.labels(labelInput, n);
      if (this.checkInputs) this.inputs.checkValues(x, labelInput);
      const targets = oneHotFloat(labels, this.numClasses) as tf.Tensor2D;
      const logits = tf.mul(tf.sub(similarity, tf.mul(targets, this.margin)), this.la);
      return tf.reshape(softmaxCrossEntropy(targets, logits), [n, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...formatTag(),
      numClasses: this.numClasses,
      centersPerClass: this.centersPerClass,
      la: this.la,
      gamma: this.gamma,
      margin: this.margin,
      checkInputs: this.checkInputs,
      seed: this.seed,
    };
  }
}
registerLayer(SoftTriple);

/**
 * Creates a {@link SoftTriple} loss layer.
 *
 * @example
 * ```ts
 * const head = layers.softTriple({ numClasses: 100, centersPerClass: 10, la: 20, gamma: 0.1, margin: 0.01 });
 * ```
 */
export function softTriple(args: SoftTripleArgs): SoftTriple {
  if (typeof args !== 'object' || args === null) {
    throw new MarginArgumentError('SoftTriple', 'args', 'a configuration object with numClasses', args);
  }
  return new SoftTriple(args);
}
