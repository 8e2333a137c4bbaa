export { softmaxCrossEntropy } from './softmaxCrossEntropy';
export { sparseSoftmaxCrossEntropy, type SparseSoftmaxCrossEntropyOptions } from './sparseSoftmaxCrossEntropy';
export { softmaxCrossEntropyWith, type SoftmaxCrossEntropyConfig, type LossFunction } from './softmaxCrossEntropyWith';
export { cosFaceLoss } from './cosFaceLoss';
export { arcFaceLoss } from './arcFaceLoss';
export { combinedMarginLoss } from './combinedMarginLoss';
export { precomputedLoss } from './precomputedLoss';
