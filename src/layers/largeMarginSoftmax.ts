import { registerLayer } from './layerConfig';
import { type LargeMarginSoftmaxArgs, MultiplicativeMarginHead } from './multiplicativeMarginHead';

/**
 * L-Softmax head (Liu et al. 2016, "Large-Margin Softmax Loss for Convolutional Neural Networks").
 *
 * Logits `|W_j||x| cos θ_j`; the target's becomes `|W_y||x| ψ(θ_y)`, `ψ(θ) = (−1)^k cos(mθ) − 2k`,
 * `k = floor(mθ/π)`, integer `m`. `cos(mθ)` is the Chebyshev polynomial `T_m(cos θ)` and `k` comes
 * from thresholds on `cos θ`: no `acos` anywhere. With `lambda`, the target is
 * `(λ|W_y||x| cos θ_y + |W_y||x| ψ(θ_y)) / (1 + λ)`. Everything is multiplied by `scale` (default 1).
 * Matches pytorch-metric-learning's `LargeMarginSoftmaxLoss` (see test/golden).
 *
 * Recommended (README, "Choosing a head"): `margin 2` with λ annealed from 1000 to 5 over the first
 * third of training — the best head on the Omniglot benchmark (2.1 points below softmax, 6 of 6
 * paired trainings); the papers anneal with `gamma 0.12` over longer runs.
 */
export class LargeMarginSoftmax extends MultiplicativeMarginHead {
  static className = 'TfjsMarginLargeMarginSoftmax';
  protected readonly normalizesWeights = false;
}
registerLayer(LargeMarginSoftmax);

/** Creates a {@link LargeMarginSoftmax} (L-Softmax) head.
 *
 * @example
 * ```ts
 * const head = layers.largeMarginSoftmax({ numClasses: 3, margin: 2, lambda: { base: 1000, gamma: 0.12, power: 1, min: 5 } });
 * const embeddings = tf.randomNormal([4, 8]);
 * const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
 * const logits = head.apply([embeddings, labels]) as tf.Tensor; // [4, 3]: |W_y||x|ψ(θ_y) blended with λ at each label
 * const inference = head.apply(embeddings) as tf.Tensor; // margin-free logits
 * ```
 */
export function largeMarginSoftmax(args: LargeMarginSoftmaxArgs): LargeMarginSoftmax {
  return new LargeMarginSoftmax(args);
}
/** Alias of {@link largeMarginSoftmax}. */
export const lSoftmax = largeMarginSoftmax;
