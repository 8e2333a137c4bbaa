export { softmaxCrossEntropy } from './softmaxCrossEntropy';
export { sparseSoftmaxCrossEntropy, type SparseSoftmaxCrossEntropyOptions } from './sparseSoftmaxCrossEntropy';
export { softmaxCrossEntropyWith, type SoftmaxCrossEntropyConfig, type LossFunction } from './softmaxCrossEntropyWith';
