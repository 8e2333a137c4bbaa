export { softmaxCrossEntropy } from './softmaxCrossEntropy';
export { sparseSoftmaxCrossEntropy, type SparseSoftmaxCrossEntropyOptions } from './sparseSoftmaxCrossEntropy';
export { softmaxCrossEntropyWith, type SoftmaxCrossEntropyConfig } from './softmaxCrossEntropyWith';
export type { LossFunction } from '../internal/types';
export { cosFaceLoss } from './cosFaceLoss';
export { arcFaceLoss } from './arcFaceLoss';
export { combinedMarginLoss } from './combinedMarginLoss';
export { precomputedLoss } from './precomputedLoss';
