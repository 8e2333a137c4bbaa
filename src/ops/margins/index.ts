/**
 * Target transforms ψ of the margin heads: each maps the target cosine `c = cos θ_y` to `ψ(c)` with
 * its analytic derivative, for `ops.marginLogits`.
 *
 * @module
 */
export type {
  DynamicScale,
  HardNegatives,
  HardNegativeValues,
  MarginContext,
  MarginGradient,
  NegativeTransform,
  NegativeValues,
  TargetMargin,
  TargetValues,
} from './targetMargin';
export { additiveCosineMargin } from './additiveCosineMargin';
export { additiveAngularMargin, combinedAngularMargin } from './angularMargin';
export { multiplicativeAngularMargin, chebyshev } from './multiplicativeAngularMargin';
export { adaFaceMargin, type AdaFaceMarginOptions } from './adaFaceMargin';
export { curricularHardNegatives } from './curricularHardNegatives';
export { elasticMargin, type ElasticKind } from './elasticMargin';
export { magFaceMargin, type MagFaceMarginOptions } from './magFaceMargin';
export { circleTarget, circleNegatives } from './circleMargin';
export { adaCosFixedScale, adaCosDynamicScale } from './adaCosScale';
