export { NormalizedDense, normalizedDense, type NormalizedDenseArgs } from './normalizedDense';
export { TemperatureSoftmax, temperatureSoftmax, type TemperatureSoftmaxArgs } from './temperatureSoftmax';
export { L2Normalization, l2Normalization, type L2NormalizationArgs } from './l2Normalization';
export type { LayerArgs } from './layerConfig';
