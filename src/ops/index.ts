/**
 * Pure tensor functions: numerically stable softmax and log-softmax, L2 normalization, cosine
 * similarity, normalized (cosine) linear maps and `marginLogits`, the op behind every margin head.
 *
 * @module
 */
export { softmax } from './softmax';
export { logSoftmax } from './logSoftmax';
export type { SoftmaxOptions } from './softmaxOptions';
export { l2Normalize, type L2NormalizeOptions } from './l2Normalize';
export { cosineSimilarity } from './cosineSimilarity';
export { normalizedLinear, type NormalizedLinearOptions } from './normalizedLinear';
export { marginLogits, type MarginLogitsOptions } from './marginLogits';
export * as margins from './margins/index';
export { validateLabels } from './validateLabels';
export { validateTargets } from './validateTargets';
export { pairwiseDistance, type PairwiseDistanceOptions, type PairDistance } from './pairwiseDistance';
