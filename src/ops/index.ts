export { softmax } from './softmax';
export { logSoftmax } from './logSoftmax';
export type { SoftmaxOptions } from './softmaxOptions';
export { l2Normalize, type L2NormalizeOptions } from './l2Normalize';
export { cosineSimilarity } from './cosineSimilarity';
export { normalizedLinear, type NormalizedLinearOptions } from './normalizedLinear';
export { marginLogits, type MarginLogitsOptions } from './marginLogits';
export * as margins from './margins/index';
export { validateLabels } from './validateLabels';
