import { scaleArg } from '../internal/bounds';
import { booleanArg, gradientArg, nonNegativeNumber } from '../internal/validate';
import * as tf from '@tensorflow/tfjs-core';
import { MarginArgumentError } from '../internal/errors';
import type { JsonValue } from '../checkpoint/trainingState';
import { type SeededRandom, seededRandom } from '../data/seededRandom';
import { elasticMargin, type ElasticKind } from '../ops/margins/elasticMargin';
import type { MarginGradient, TargetMargin } from '../ops/margins/targetMargin';
import { registerLayer } from './layerConfig';
import { type CallMargin, type MarginHeadArgs, MarginSoftmaxHead } from './marginSoftmaxHead';

/** Arguments of {@link ElasticFace}. */
export interface ElasticFaceArgs extends MarginHeadArgs {
  /** `'arc'` (ElasticFace-Arc, the default) or `'cos'` (ElasticFace-Cos). */
  kind?: ElasticKind;
  /** Mean margin `m`: radians in `[0, π)` for `'arc'` (default `0.5`), cosine units in `[0, 2]` for `'cos'` (default `0.35`). */
  margin?: number;
  /** Standard deviation `σ ≥ 0` of the drawn margins. Default `0.05` (`'arc'`) or `0.025` (`'cos'`). */
  sigma?: number;
  /** ElasticFace+: pair the drawn margins with the samples by target cosine (see the class doc). Default `false`. */
  plus?: boolean;
  /** Logit scale `s > 0`. Default `64`. */
  scale?: number;
  /** `'arc'` only: `'exact'` (default) or `'straightThrough'` (`ψ' = 1`). */
  gradient?: MarginGradient;
}

/**
 * ElasticFace head (Boutros, Damer, Kirchbuchner & Kuijper, CVPRW 2022, "ElasticFace: Elastic Margin
 * Loss for Deep Face Recognition"): ArcFace (`'arc'`) or CosFace (`'cos'`) with a margin drawn afresh
 * for every sample on every training call, `m_i ~ N(m, σ)`, so the decision boundary can extend and
 * retract; target logit `s cos(θ_y + m_i)` or `s (cos θ_y − m_i)` (see
 * {@link ops.margins.elasticMargin}). Calls that are not training (`evaluate`, `predict` with
 * labels) use the mean margin `m`.
 *
 * `plus` (ElasticFace+) pairs the sorted draws with the samples by their target cosine: the sample
 * closest to its center (the largest `cos θ_y`) gets the smallest margin, the farthest the largest —
 * the pairing the reference's two sorts describe. (Re-derived from the paper's description; the
 * reference code, CC BY-NC-SA, indexes the sorted margins by the cosines' sort order rather than by
 * its inverse, which pairs them differently whenever the batch is not already sorted.)
 *
 * Draws come from a host generator seeded by `seed` (random when `seed` is `null`), so a seeded run
 * repeats exactly and draws the same margins on every backend; the generator's position is runtime
 * state, not saved with the model. Warm-up scales `m` and `σ`.
 *
 * @example
 * ```ts
 * const head = layers.elasticFace({ numClasses: 3, scale: 16, seed: 1 });
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([tf.randomNormal([4, 8]), labels], { training: true }) as tf.Tensor; // m_i ~ N(0.5, 0.05)
 * ```
 */
export class ElasticFace extends MarginSoftmaxHead {
  static className = 'TfjsMarginElasticFace';
  readonly kind: ElasticKind;
  readonly margin: number;
  readonly sigma: number;
  readonly plus: boolean;
  readonly scale: number;
  override readonly gradient: MarginGradient;
  private readonly uniform: SeededRandom;

  constructor(args: ElasticFaceArgs) {
    super(args, ['kind', 'margin', 'sigma', 'plus', 'scale', 'gradient']);
    const kind = args.kind ?? 'arc';
    if (kind !== 'arc' && kind !== 'cos') throw new MarginArgumentError(this.headName, 'kind', "'arc' or 'cos'", kind);
    this.kind = kind;
    const margin = args.margin ?? (kind === 'arc' ? 0.5 : 0.35);
    const top = kind === 'arc' ? Math.PI : 2;
    if (typeof margin !== 'number' || !(margin >= 0 && (kind === 'arc' ? margin < top : margin <= top))) {
      throw new MarginArgumentError(
        this.headName,
        'margin',
        kind === 'arc' ? 'a number in [0, π)' : 'a number in [0, 2]',
        margin,
      );
    }
    this.margin = margin;
    this.sigma = nonNegativeNumber(this.headName, 'sigma', args.sigma ?? (kind === 'arc' ? 0.05 : 0.025));
    this.plus = booleanArg(this.headName, 'plus', args.plus ?? false);
    this.scale = scaleArg(this.headName, args.scale, 64);
    this.gradient = gradientArg(this.headName, args.gradient);
    this.uniform = seededRandom(this.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** The margin generator's position, which a checkpoint saves (see `callbacks.checkpoint`). */
  getTrainingState(): JsonValue {
    return { uniform: this.uniform.getTrainingState() };
  }

  /** Restores a position read by {@link getTrainingState}: the next draws are the saved run's. */
  setTrainingState(state: JsonValue): void {
    const uniform = typeof state === 'object' && state !== null && !Array.isArray(state) ? state['uniform'] : undefined;
    this.uniform.setTrainingState(uniform ?? null);
  }

  protected marginAt(strength: number): TargetMargin {
    return elasticMargin(this.kind, this.margin * strength);
  }

  /** `n` draws of `N(m, σ)` (Box–Muller), scaled by the warm-up strength. */
  private draw(n: number): Float32Array {
    const t = this.marginStrength;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = 1 - this.uniform(); // (0, 1]: log(u) is finite
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
      out[i] = t * (this.margin + this.sigma * normal);
    }
    return out;
  }

  /** A training call draws each sample's margin; other calls use the mean margin. */
  protected override marginForCall(x: tf.Tensor2D, training: boolean): CallMargin {
    if (!training) return super.marginForCall(x, training);
    const draws = this.draw(x.shape[0]);
    if (!this.plus) return { margin: elasticMargin(this.kind, tf.tensor1d(draws)), lambda: null };
    const ascending = tf.tensor1d(draws.sort());
    return {
      lambda: null,
      margin: {
        apply: (c, gradient, context) => {
          const n = c.shape[0]!;
          // rank[i]: sample i's position in descending target cosine, the inverse of the sort order.
          const order = tf.topk(c, n).indices;
          const rank = tf.topk(tf.neg(tf.cast(order, 'float32')), n).indices;
          return elasticMargin(this.kind, tf.gather(ascending, rank)).apply(c, gradient, context);
        },
      },
    };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kind: this.kind,
      margin: this.margin,
      sigma: this.sigma,
      plus: this.plus,
      scale: this.scale,
      gradient: this.gradient,
    };
  }
}
registerLayer(ElasticFace);

/**
 * Creates an {@link ElasticFace} head.
 *
 * @example
 * ```ts
 * const image = tf.input({ shape: [8] });
 * const label = tf.input({ shape: [1] });
 * const embedding = tf.layers.dense({ units: 4 }).apply(image) as tf.SymbolicTensor;
 * const head = layers.elasticFace({ numClasses: 3, kind: 'cos', scale: 16, plus: true, seed: 7 });
 * const model = tf.model({ inputs: [image, label], outputs: head.apply([embedding, label]) as tf.SymbolicTensor });
 * model.compile({ optimizer: 'adam', loss: losses.softmaxCrossEntropy });
 * const y = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const inputs = [tf.randomNormal([4, 8]), tf.cast(tf.reshape(y, [4, 1]), 'float32')];
 * await model.fit(inputs, tf.oneHot(y, 3), { epochs: 1, verbose: 0 }); // fresh margins every batch
 * ```
 */
export function elasticFace(args: ElasticFaceArgs): ElasticFace {
  return new ElasticFace(args);
}
