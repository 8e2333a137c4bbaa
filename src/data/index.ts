/**
 * Input pipelines for margin training: class-balanced ("m per class") batches and a seeded generator.
 *
 * @module
 */
export { classBalancedSampler, type ClassBalancedSampler, type ClassBalancedSamplerArgs } from './classBalancedSampler';
export { seededRandom, type SeededRandom } from './seededRandom';
