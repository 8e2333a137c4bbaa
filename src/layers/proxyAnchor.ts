import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkWeightSize } from '../internal/bounds';
import { MarginArgumentError } from '../internal/errors';
import { oneHotFloat } from '../internal/oneHot';
import { maskedLogSumExp } from '../internal/pairMasks';
import { booleanArg, integerAtLeast, optionalSeed, positiveNumber } from '../internal/validate';
import { numberBetween } from '../losses/metricBatch';
import { l2Normalize } from '../ops/l2Normalize';
import { HeadInputs } from './headInputs';
import { checkLayerKeys, formatTag, type Kwargs, type LayerArgs, registerLayer } from './layerConfig';

/** Arguments of {@link ProxyAnchor}. */
export interface ProxyAnchorArgs extends LayerArgs {
  /** Number of classes `C`: one proxy each. */
  numClasses: number;
  /** The margin `δ`, in `[0, 1]`. Default `0.1`. */
  margin?: number;
  /** The scale `α` (> 0). Default `32`. */
  alpha?: number;
  /** Read labels and embeddings back once per call to reject bad values. Default `true` (skipped on webgpu). */
  checkInputs?: boolean;
  /** Seed of the proxies' He-normal initializer, for reproducible runs. Default: random. */
  seed?: number | null;
}

const KEYS = ['numClasses', 'margin', 'alpha', 'checkInputs', 'seed'] as const;

/**
 * The Proxy-Anchor loss (Kim et al., CVPR 2020, "Proxy Anchor Loss for Deep Metric Learning") as a
 * layer that owns the proxies `W` (`[C, D]`, one trainable weight named `proxies`), with
 * pytorch-metric-learning 2.9's `ProxyAnchorLoss` semantics. Applied to `[embeddings, labels]`, with
 * `c_ic` the cosine between embedding `i` and proxy `c`:
 *
 * `L = (1/|C⁺|) Σ_{c ∈ C⁺} log(1 + Σ_{i ∈ c} e^{−α(c_ic − δ)}) + (1/C) Σ_c log(1 + Σ_{i ∉ c} e^{α(c_ic + δ)})`,
 *
 * where `C⁺` are the classes present in the batch (an absent class adds nothing to the first sum and
 * is left out of its divisor). It outputs `[N, 1]` values equal to `L`: compile with
 * `losses.precomputedLoss`, as Partial FC. Applied to embeddings alone it outputs the `[N, C]` cosines
 * to the proxies (a classifier, no loss).
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [4] });
 * const y = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 8 }).apply(x) as tf.SymbolicTensor;
 * const loss = layers.proxyAnchor({ numClasses: 3 }).apply([embedding, y]) as tf.SymbolicTensor;
 * const model = tf.model({ inputs: [x, y], outputs: loss });
 * model.compile({ optimizer: 'adam', loss: losses.precomputedLoss });
 * const labels = tf.tensor2d([[0], [1], [2], [0]]);
 * await model.fit([tf.randomNormal([4, 4]), labels], labels, { epochs: 1, verbose: 0 });
 * ```
 */
export class ProxyAnchor extends tfl.layers.Layer {
  static className = 'TfjsMarginProxyAnchor';
  readonly numClasses: number;
  readonly margin: number;
  readonly alpha: number;
  readonly checkInputs: boolean;
  readonly seed: number | null;
  private proxies: tfl.LayerVariable | null = null;
  private readonly inputs: HeadInputs;

  constructor(args: ProxyAnchorArgs) {
    const where = 'ProxyAnchor';
    checkLayerKeys(where, args, KEYS);
    super(args);
    this.numClasses = integerAtLeast(where, 'numClasses', args.numClasses, 1);
    this.margin = numberBetween(where, 'margin', args.margin ?? 0.1, 0, 1, ' (a cosine margin)');
    this.alpha = positiveNumber(where, 'alpha', args.alpha ?? 32);
    this.checkInputs = booleanArg(where, 'checkInputs', args.checkInputs ?? true);
    this.seed = optionalSeed(where, args.seed);
    this.inputs = new HeadInputs(where, this.numClasses);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.inputs.embeddingSize(inputShape);
    checkWeightSize('ProxyAnchor', 'numClasses', this.numClasses, d);
    // PML: kaiming_normal_(mode='fan_out') on [C, D], i.e. std √(2/C); tfjs calls that fan the first axis.
    const init = tfl.initializers.varianceScaling({
      scale: 2,
      mode: 'fanIn',
      distribution: 'normal',
      ...(this.seed === null ? {} : { seed: this.seed }),
    });
    this.proxies = this.addWeight('proxies', [this.numClasses, d], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    if (Array.isArray(inputShape[0])) return [(inputShape as tfl.Shape[])[0]![0] ?? null, 1];
    return [(inputShape as tfl.Shape)[0] ?? null, this.numClasses];
  }

  /** The `[C, D]` proxies. */
  getProxies(): tf.Tensor2D {
    return this.inputs.built(this.proxies, 'proxies').read() as tf.Tensor2D;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [embeddings, labelInput] = this.inputs.split(inputs);
      const w = this.inputs.built(this.proxies, 'proxies').read();
      const x = this.inputs.embeddings(embeddings, w.shape[1]!);
      const cos = tf.matMul(
        l2Normalize(x, { epsilon: 1e-24 }),
        l2Normalize(w, { epsilon: 1e-24 }),
        false,
        true,
      ) as tf.Tensor2D;
      if (labelInput === null) {
        if (this.checkInputs) this.inputs.checkValues(x, null);
        return cos;
      }
      const n = x.shape[0];
      const labels = this.inputs.labels(labelInput, n);
      if (this.checkInputs) this.inputs.checkValues(x, labelInput);
      const positive = oneHotFloat(labels, this.numClasses) as tf.Tensor2D;
      const negative = tf.sub(1, positive) as tf.Tensor2D;
      const pos = maskedLogSumExp(tf.mul(tf.sub(cos, this.margin), -this.alpha) as tf.Tensor2D, positive, 0, true);
      const neg = maskedLogSumExp(tf.mul(tf.add(cos, this.margin), this.alpha) as tf.Tensor2D, negative, 0, true);
      const present = tf.sum(tf.cast(tf.greater(tf.sum(positive, 0), 0), 'float32'));
      const loss = tf.add(tf.div(tf.sum(pos), present), tf.div(tf.sum(neg), this.numClasses));
      return tf.mul(loss, tf.ones([n, 1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...formatTag(),
      numClasses: this.numClasses,
      margin: this.margin,
      alpha: this.alpha,
      checkInputs: this.checkInputs,
      seed: this.seed,
    };
  }
}
registerLayer(ProxyAnchor);

/**
 * Creates a {@link ProxyAnchor} loss layer.
 *
 * @example
 * ```ts
 * const head = layers.proxyAnchor({ numClasses: 100, margin: 0.1, alpha: 32 });
 * ```
 */
export function proxyAnchor(args: ProxyAnchorArgs): ProxyAnchor {
  if (typeof args !== 'object' || args === null) {
    throw new MarginArgumentError('ProxyAnchor', 'args', 'a configuration object with numClasses', args);
  }
  return new ProxyAnchor(args);
}
