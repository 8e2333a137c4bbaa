export type { MarginGradient, TargetMargin, TargetValues } from './targetMargin';
export { additiveCosineMargin } from './additiveCosineMargin';
export { additiveAngularMargin, combinedAngularMargin } from './angularMargin';
export { multiplicativeAngularMargin, chebyshev } from './multiplicativeAngularMargin';
