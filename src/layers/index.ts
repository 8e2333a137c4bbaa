/**
 * Serializable tfjs layers: normalized dense, temperature softmax, L2 normalization, the margin heads
 * (L-Softmax, SphereFace, CosFace, ArcFace, combined, sub-center, CurricularFace, AdaFace, MagFace,
 * ElasticFace, AdaCos, class-level Circle) and Partial FC.
 *
 * @module
 */
export { NormalizedDense, normalizedDense, type NormalizedDenseArgs } from './normalizedDense';
export { TemperatureSoftmax, temperatureSoftmax, type TemperatureSoftmaxArgs } from './temperatureSoftmax';
export { L2Normalization, l2Normalization, type L2NormalizationArgs } from './l2Normalization';
export type { LayerArgs } from './layerConfig';
export {
  MarginSoftmaxHead,
  type MarginHeadArgs,
  type MarginStrategy,
  type CallMargin,
  type StateWeightFactory,
} from './marginSoftmaxHead';
export { LargeMarginSoftmax, largeMarginSoftmax, lSoftmax } from './largeMarginSoftmax';
export { SphereFace, sphereFace, aSoftmax } from './sphereFace';
export type { LargeMarginSoftmaxArgs } from './multiplicativeMarginHead';
export { CosFace, cosFace, amSoftmax, type CosFaceArgs } from './cosFace';
export { ArcFace, arcFace, type ArcFaceArgs } from './arcFace';
export { CombinedMargin, combinedMargin, type CombinedMarginArgs } from './combinedMargin';
export {
  SubCenterArcFace,
  subCenterArcFace,
  type SubCenterArcFaceArgs,
  type SubCenterOutliers,
} from './subCenterArcFace';
export { CurricularFace, curricularFace, type CurricularFaceArgs } from './curricularFace';
export { AdaFace, adaFace, type AdaFaceArgs } from './adaFace';
export { MagFace, magFace, type MagFaceArgs } from './magFace';
export { ElasticFace, elasticFace, type ElasticFaceArgs } from './elasticFace';
export { AdaCos, adaCos, type AdaCosArgs } from './adaCos';
export { CircleHead, circleHead, type CircleHeadArgs } from './circleHead';
export { embeddingModel } from './embeddingModel';
export type { LambdaSchedule } from './lambdaSchedule';
export { PartialFC, partialFC, type PartialFCArgs } from './partialFC';
export type { CenterStoreKind } from './centers/centerStore';
export { ProxyAnchor, proxyAnchor, type ProxyAnchorArgs } from './proxyAnchor';
export { SoftTriple, softTriple, type SoftTripleArgs } from './softTriple';
