/**
 * Compile-ready losses: fused softmax cross-entropy (one-hot, sparse, smoothed) and the margin losses
 * for models whose last layer outputs cosines.
 *
 * @module
 */
export { softmaxCrossEntropy } from './softmaxCrossEntropy';
export { sparseSoftmaxCrossEntropy, type SparseSoftmaxCrossEntropyOptions } from './sparseSoftmaxCrossEntropy';
export { softmaxCrossEntropyWith, type SoftmaxCrossEntropyConfig } from './softmaxCrossEntropyWith';
export type { LossFunction } from '../internal/types';
export { cosFaceLoss } from './cosFaceLoss';
export { arcFaceLoss } from './arcFaceLoss';
export { combinedMarginLoss } from './combinedMarginLoss';
export { precomputedLoss } from './precomputedLoss';
export { tripletMarginLoss, type TripletMarginLossOptions, type TripletMining } from './tripletMarginLoss';
export { multiSimilarityLoss, type MultiSimilarityLossOptions } from './multiSimilarityLoss';
export { supervisedContrastiveLoss, type SupervisedContrastiveLossOptions } from './supervisedContrastiveLoss';
export { ntXentLoss, type NtXentLossOptions } from './ntXentLoss';
export { contrastiveLoss, type ContrastiveLossOptions } from './contrastiveLoss';
export { validateMetricInputs } from './metricBatch';
