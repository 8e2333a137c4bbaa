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
  constructor(args: LargeMarginSoftmaxArgs) {
    super(args);
  }
}
registerLayer(SphereFace);

/** Creates a {@link SphereFace} (A-Softmax) head. */
export function sphereFace(args: LargeMarginSoftmaxArgs): SphereFace {
  return new SphereFace(args);
}
/** Alias of {@link sphereFace}. */
export const aSoftmax = sphereFace;
