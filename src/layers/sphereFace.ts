import { registerLayer } from './layerConfig';
import { type LargeMarginSoftmaxArgs, MultiplicativeMarginHead } from './multiplicativeMarginHead';

/**
 * A-Softmax / SphereFace head (Liu et al. 2017, "SphereFace: Deep Hypersphere Embedding for Face
 * Recognition"): L-Softmax with normalized class centres. Logits `|x| cos θ_j`, target `|x| ψ(θ_y)`
 * (see {@link LargeMarginSoftmax}), times `scale`. Matches pytorch-metric-learning's `SphereFaceLoss`.
 *
 * Recommended (README, "Choosing a head"): `margin 4` with λ annealed from 1000 to 5 over the first
 * third of training (1.6 points below softmax on the Omniglot benchmark); the paper: `gamma 0.12`.
 */
export class SphereFace extends MultiplicativeMarginHead {
  static className = 'TfjsMarginSphereFace';
  protected readonly normalizesWeights = true;
}
registerLayer(SphereFace);

/** Creates a {@link SphereFace} (A-Softmax) head.
 *
 * @example
 * ```ts
 * const head = layers.sphereFace({ numClasses: 3, margin: 4 });
 * const embeddings = tf.randomNormal([4, 8]);
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([embeddings, labels]) as tf.Tensor; // [4, 3]: |x|ψ(θ_y) at each label, |x|cos θ_j elsewhere
 * const inference = head.apply(embeddings) as tf.Tensor; // margin-free logits
 * ```
 */
export function sphereFace(args: LargeMarginSoftmaxArgs): SphereFace {
  return new SphereFace(args);
}
/** Alias of {@link sphereFace}. */
export const aSoftmax = sphereFace;
